# Los mensajes del portal en español. Cada id está también en en.ftl
# (una prueba lo comprueba). Los argumentos ($name) llegan ya formateados.

## Marco
skip-to-content = Ir al contenido
brand-chain = registro { $chain }
nav-label = Principal
nav-home = Inicio
nav-explorer = Explorador
nav-money = Adónde fue el dinero
nav-programs = Programas
nav-check = Comprobar un recibo
nav-help = Ayuda
language-label = Idioma
search-label = Buscar por identificador
search-button = Buscar
footer-json = Los datos de esta página en JSON:
footer-about = Publica es un registro público que llevan conjuntamente organismos públicos. Cualquiera puede comprobar todo lo que muestran estas páginas.
footer-api = Referencia de la API (OpenAPI)
pager-label = Páginas
pager-blocks = Otros bloques
pager-newer = Más recientes
list-first = Se muestran los primeros { $shown } de { $total }.
pager-older = Más antiguos

## Encabezados de tabla
col-currency = Moneda
col-in-circulation = En circulación
col-paid-in = Pagado por los programas en { $month }
col-proof = Prueba
col-height = Altura
col-time = Hora
col-transactions = Transacciones
col-transaction = Transacción
col-hash = Raíz del estado
col-action = Acción
col-status = Estado
col-what = Qué pasó
col-amount = Importe
col-counterparty = Otra cuenta
col-receipt = recibo
col-validator = Validador
col-from = Desde
col-to = Hacia
col-period = Mes
col-payments = Pagos
col-program = Programa
col-agency = Organismo
col-enrolled = Inscritos
col-paid = Pagado
col-left = Presupuesto restante
col-version = Versión
col-number = N.º
col-enacted = Aplicado en el bloque
status-ok = hecha
status-failed = rechazada (nada cambió)
direction-in = (entrada)
direction-out = (salida)

## Inicio
home-title = Un registro público que usted puede comprobar
home-intro = Este registro anota lo que los organismos públicos hacen con el dinero y los registros públicos: cada pago, cada regla y cada cambio. Cada anotación la firma el funcionario que la hizo y se guarda en un registro al que solo se añade. Cualquiera puede leerlo aquí y comprobar por sí mismo cualquier recibo.
home-figures = Hoy en cifras
home-tx-today = Transacciones de hoy (UTC)
home-tx-total = Transacciones desde el inicio
home-height = Último bloque
home-last-block = Hora del último bloque
home-money-issued = Dinero emitido
home-no-currency = Todavía no se ha creado ninguna moneda.
home-where-link = Ver adónde fue el dinero
home-who = Quién lleva este registro
home-single-node = Un solo nodo lleva este registro (una instalación de un solo organismo o de prueba); no hay otros validadores a los que preguntar.
home-validators = { $n ->
    [one] Un validador lleva este registro.
   *[other] { $count } validadores llevan juntos este registro; cualesquiera { $quorum } de ellos deben estar de acuerdo en cada bloque.
}
validator-this-node = este nodo
validator-up = se ha sabido de él en los últimos 10 segundos
validator-silent = en silencio desde hace { $seconds } { $n ->
    [one] segundo
   *[other] segundos
}
validator-unheard = aún no se ha sabido de él
home-agencies = Organismos
home-checkpoint = Último punto de control
home-checkpoint-explained = Un punto de control es la huella firmada del registro: su tamaño y el hash de todo lo que contiene. Cada recibo se comprueba con uno.
home-check-link = Comprobar un recibo
home-checkpoint-raw = este punto de control como texto

## Explorador
explorer-title = Explorador
explorer-intro = Bloques, del más reciente al más antiguo. Cada bloque agrupa las transacciones confirmadas juntas; ábralo para verlas.
explorer-no-blocks = Todavía no se ha confirmado ningún bloque.
explorer-blocks-caption = Bloques, página { $page } de { $pages }
explorer-agencies-link = Todos los organismos
block-title = Bloque { $height }
block-log-size = Transacciones en el registro tras este bloque
block-state-root = Raíz del estado
block-parent = Hash del bloque anterior
block-ledger-events = El propio registro hizo { $n ->
    [one] una tarea programada
   *[other] { $count } tareas programadas
} al comienzo de este bloque (como los pagos mensuales).
block-txs-caption = Transacciones, página { $page } de { $pages }
block-previous = Bloque anterior
block-next = Bloque siguiente
tx-title = Transacción
tx-pending = Esta transacción se ha recibido y espera su bloque. Vuelva a cargar en un momento.
tx-error = Por qué se rechazó
tx-signer = Firmada por (clave pública)
tx-block = En el bloque
tx-leaf = Posición en el registro
tx-arguments = Qué se pidió
tx-events = Qué pasó
tx-receipt-explained = Su recibo prueba que esta transacción y su resultado están en el registro público.
tx-check-link = Comprobar su recibo
account-title = Cuenta { $id }
account-pseudonymous = Las cuentas se nombran con identificadores y claves, nunca con el nombre de una persona: el registro no guarda nombres, direcciones ni números de identidad.
account-balance = Saldo
account-frozen = congelada
account-closed = cerrada
account-earmark = Solo puede gastarse en
account-provenance = De dónde vino su dinero
account-history = Historial
account-no-history = Todavía no ha pasado nada en esta cuenta.
account-history-caption = Historial, del más reciente, página { $page } de { $pages }
account-ledger-work = por el calendario del registro (bloque { $height })
agencies-title = Organismos
agencies-intro = Los organismos públicos que actúan en este registro. Cada uno firma lo que hace.
agency-id = Identificador
agency-administrators = Administradores
agency-threshold = Administradores que deben aprobar un acto sensible
agency-since = Miembro desde el bloque
agency-genesis = el inicio del registro
agency-currencies = Sus monedas
agency-programs = Sus programas
agency-members-json = Sus miembros y sus funciones (JSON)

## Adónde fue el dinero
money-title = Adónde fue el dinero
money-intro = Para cada moneda: las asignaciones presupuestarias que permitieron emitirla, cuánto se emitió, cuánto fue al presupuesto de cada programa y cuánto ha pagado cada programa. Cada cifra sale del registro y enlaza con los datos que la prueban.
money-minted = Emitido
money-burned = Destruido
money-issued = Emitido
money-paid-recipients = Pagado a los beneficiarios
money-not-yet-paid = Aún no pagado (en presupuestos de programas)
money-other-accounts = Otras cuentas
money-flow-label = Flujo de { $currency }, de las asignaciones a los beneficiarios
money-flow-table-follows = La tabla siguiente da las mismas cifras.
money-flow-caption = Flujo de { $currency }, cifra a cifra
money-paid-chart = { $program }: pagado por mes ({ $currency })
money-nothing-paid = Todavía no se ha pagado nada.
money-merged-periods = { $n ->
    [one] Un mes con menos de { $min } pagos, agrupado
   *[other] { $count } meses con menos de { $min } pagos cada uno, agrupados
}
money-fewer-than = menos de { $min }
money-fewer-payments = menos de { $min } pagos
money-suppressed = no se muestra (muy pocos pagos)
money-unattributed = Emitido sin una asignación registrada
money-returned = Pagado y luego devuelto a presupuestos de programas
money-counted-twice = (contado en pagado y en aún no pagado)
money-small-cells = Para proteger la privacidad, los meses con menos de { $min } pagos se agrupan y no se muestran recuentos inferiores a { $min } en estas páginas.

## Programas
programs-title = Programas
programs-intro = Programas públicos pagados a través de este registro: quién los lleva, cuántas personas están inscritas, qué han pagado y qué queda.
programs-none = Todavía no se ha creado ningún programa.
program-budget = Presupuesto
program-dates = Abierto
program-schedule = Pagos
program-monthly = cada mes, por el propio registro
program-on-demand = cuando paga un funcionario
program-weekly = cada semana, por el propio registro
program-daily = cada día, por el propio registro
program-terms = Cambios de presupuesto, fechas y calendario
program-terms-explained = El presupuesto, la fecha de cierre y el calendario de un programa solo cambian por una decisión que aprueban los administradores de su organismo. Cada cambio figura con su motivo, el bloque que lo aplicó y sus aprobaciones.
program-terms-change = Qué cambió
program-terms-reason = Motivo
program-terms-approvals = Aprobaciones
program-terms-end = Cierra
program-terms-resumed = los pagos se reanudaron
program-terms-pending = El cambio { $number } está propuesto y tiene { $approvals } de { $threshold } aprobaciones.
program-funding = Pagado desde la cuenta
program-suspended = Suspendidos ahora
program-exited = Salieron del programa
program-owed = Pagos indebidos por devolver
program-active = activo
program-awaiting-approval = pendiente de aprobación
program-budget-exhausted = presupuesto agotado
program-rules = Reglas y sus versiones
program-rules-explained = Las reglas de un programa son públicas. Cada cambio es una nueva versión, aprobada por los administradores del organismo y vigente desde la fecha indicada.
program-eligibility = Quién tiene derecho
program-benefit = Prestación
program-condition = Condición
program-private = Condiciones probadas en privado
program-private-explained = Estas condiciones se comprueban sobre cifras que el registro nunca guarda: un organismo acreditado registra solo un compromiso criptográfico de la cifra, y cada persona inscrita prueba sin revelarla que la condición se cumple. El registro, y esta página, saben que se cumple y nada más.
program-private-at-least = { $attribute }: al menos { $value }
program-private-below = { $attribute }: menos de { $value }
program-pending = La versión { $version } está propuesta y tiene { $approvals } de { $threshold } aprobaciones.

## Comprobar un recibo
check-title = Comprobar un recibo
check-intro = Un recibo prueba que una transacción y su resultado están en el registro público de este libro mayor. Péguelo abajo (o elija su archivo) y se comprobará solo con claves públicas: su navegador hace el trabajo cuando puede.
check-paste = Recibo (JSON)
check-file = O elija un archivo de recibo (requiere JavaScript)
check-other-key = Comprobar con otra clave de registro
check-key-label = Clave de verificación del registro
check-button = Comprobar
check-checking = Comprobando…
check-verified = Verificado
check-by-browser = Su navegador comprobó por sí mismo la firma y la prueba.
check-by-server = Este servidor comprobó la firma y la prueba (su navegador no).
check-failed = No verificado
check-detail = Detalle técnico
check-proved = Qué prueba esto
check-not-proved = Qué no prueba esto
check-not-proved-height = El número de bloque del recibo es palabra del nodo: la prueba sitúa la transacción en el registro, no en un bloque concreto.
check-origin = Registro
check-not-json = Esto no es un recibo: el texto no es JSON.
check-malformed = Este recibo está incompleto o dañado: falta un campo o tiene una forma incorrecta.
check-bad-key = La clave de registro no es una clave de verificación válida.
check-no-signature = El punto de control no está firmado con la clave de este registro: el recibo es de otro registro o fue alterado.
check-bad-checkpoint = La firma del punto de control no coincide: el recibo fue alterado o es de otro registro.
check-wrong-origin = Este recibo es de otro registro.
check-not-final = Al punto de control le faltan las firmas de suficientes validadores.
check-tree-size = La prueba es para un tamaño de registro distinto del punto de control: el recibo fue alterado.
check-bad-tx-signature = La firma de la propia transacción no coincide: su contenido fue alterado.
check-wrong-leaf = Los identificadores del recibo no corresponden a su transacción: fue alterado.
check-proof-mismatch = La prueba no lleva al punto de control: esta transacción o su resultado no es lo que guarda el registro.
check-bad-form = No se pudo leer el formulario; pegue el recibo e inténtelo de nuevo.
check-too-large = Este recibo supera 1 MiB; un recibo real ocupa unos pocos kilobytes.

## Errores
error-title = Algo no está bien
error-home = Volver a la página de inicio
error-no-page = No hay ninguna página en { $path }.
error-unavailable = No se pudo leer el registro en este momento. Inténtelo de nuevo en un momento.
error-page-number = La página «{ $given }» no existe; las páginas van de 1 a { $max }.
error-bad-height = «{ $given }» no es un número de bloque.
error-unknown-block = Todavía no hay un bloque { $height }.
error-bad-tx-id = Un identificador de transacción tiene 64 caracteres de 0-9 y a-f.
error-unknown-tx = Este registro no tiene ninguna transacción con este identificador.
error-bad-account-id = Un identificador de cuenta tiene de 1 a 64 caracteres de a-z, 0-9 y . _ : -
error-unknown-account = No existe la cuenta «{ $id }».
error-bad-agency-id = Un identificador de organismo se compone de a-z, 0-9 y -.
error-unknown-agency = No existe el organismo «{ $id }».
error-bad-program-id = Un identificador de programa tiene de 1 a 64 letras, cifras y . _ : -
error-unknown-program = No existe el programa «{ $id }».
error-bad-search = Busque un identificador: de 1 a { $max } caracteres, sin caracteres de control.
error-search-nothing = Nada tiene el identificador «{ $term }». La búsqueda admite un identificador de transacción, un número de bloque o el identificador de un programa, organismo, cuenta o moneda.

## Ayuda
help-title = Ayuda
help-contents = Lecciones
help-what-heading = Qué es este registro
help-what-1 = Un registro es un libro de anotaciones. Este lo llevan conjuntamente organismos públicos: cada uno anota lo que hace (un pago, una regla nueva, un diploma) como una transacción firmada con la clave de su funcionario.
help-what-2 = Las anotaciones solo se añaden; nunca se cambian ni se borran. Si hay un error, una nueva anotación lo corrige, y ambas quedan a la vista.
help-receipt-heading = Qué prueba un recibo
help-receipt-1 = Cada transacción tiene un recibo. Contiene la transacción, su resultado y una breve prueba matemática de que ambos están en el registro público, ligada a un punto de control que el registro firmó.
help-receipt-2 = Con el recibo y la clave pública del registro, cualquiera puede comprobarlo en su propio ordenador, sin fiarse de este sitio web ni de quienes lo gestionan. Si se cambia un solo carácter del recibo, la comprobación falla.
help-check-heading = Cómo comprobar un recibo
help-check-1 = Abra «Comprobar un recibo», pegue el texto del recibo o elija su archivo y pulse Comprobar.
help-check-2 = Su navegador comprueba por sí mismo la firma del punto de control y la prueba (en un registro que llevan varios validadores, este servidor comprueba que firmaron suficientes). Le dice qué se probó (qué transacción, su resultado, su lugar en el registro) y qué no (el número de bloque es palabra del nodo).
help-check-3 = También puede comprobar un recibo en la línea de órdenes con «publica verify receipt», que hace el mismo cálculo.
help-private-heading = Lo que el registro no guarda sobre usted
help-private-1 = El registro no guarda nombres, direcciones, fechas de nacimiento ni números de identidad. Las personas aparecen solo como cuentas y claves seudónimas.
help-private-2 = Los datos de una persona que necesita un programa (como «matriculado en la escuela») se guardan como compromisos y los comprueban reglas; no se publican en claro. Las cifras se muestran solo para grupos lo bastante grandes para que nadie pueda ser señalado.
help-money-heading = Cómo seguir el dinero
help-money-1 = «Adónde fue el dinero» muestra, para cada moneda, los presupuestos que permitieron emitir dinero, lo que fue a cada programa y lo que pagó cada programa, mes a mes. Cada cifra enlaza con los datos que la prueban.
help-grievance-heading = Si un programa le trató mal
help-grievance-1 = Pida al organismo que lo gestiona que registre una reclamación por usted, o preséntela usted mismo con su clave (publica programs grievance file). Recibe un número de expediente y la fecha límite de la decisión; si el organismo se retrasa, el expediente pasa solo a sus administradores. La decisión dice por qué, y si ordena un pago o su inscripción, la página muestra cuándo se hizo.

grievance-title = Seguir una reclamación
grievance-explained = Quien crea que un programa le trató mal puede presentar una reclamación ante el organismo (en su ventanilla, o firmada con su propia clave). Recibe un número de expediente y una fecha límite para la decisión; un expediente vencido pasa a los administradores del organismo. Escriba un número de expediente para ver en qué punto está. Lo que usted escribió queda en el organismo: el registro solo guarda una huella.
grievance-case-number = Número de expediente
grievance-look-up = Consultar
grievance-case = Expediente { $case }
grievance-category-enrolment_denied = inscripción denegada
grievance-category-payment_missing = un pago que no llegó
grievance-category-wrong_amount = un importe erróneo
grievance-category-suspension = una suspensión
grievance-category-exit = una inscripción terminada
grievance-category-overpayment = un pago indebido reclamado
grievance-category-conduct = la actuación de los funcionarios
grievance-category-other = otra cosa
grievance-category = Sobre
grievance-period = Periodo
grievance-filed = Presentada
grievance-due = Decisión antes del
grievance-handled-by = La lleva
grievance-escalated = la administración del organismo (elevada { $level } veces: vencida)
grievance-assigned = un funcionario asignado
grievance-not-assigned = los funcionarios del programa (sin asignar)
grievance-decision = Decisión
grievance-pending = pendiente
grievance-upheld = estimada
grievance-rejected = desestimada
grievance-decided = Decidida
grievance-remedy = Ordena
grievance-remedy-payout = el pago de { $period }
grievance-remedy-enrolment = la inscripción en el programa
grievance-remedied = hecho
grievance-not-remedied = aún no hecho
grievance-figures = Reclamaciones
grievance-figures-explained = Reclamaciones presentadas cada mes, según su asunto, y cuántos días tardó su decisión (la mediana).
grievance-follow = Siga una reclamación por su número de expediente.
grievance-col-filed = Presentadas
grievance-col-decided = Decididas
grievance-col-open = Abiertas
grievance-col-escalated = Elevadas
grievance-col-median = Días hasta la decisión
grievance-reason-payment_due = el pago se debía y se hace
grievance-reason-amount_corrected = el importe se corrige
grievance-reason-eligible_after_review = tiene derecho tras revisión
grievance-reason-records_corrected = se corrigen los registros
grievance-reason-no_error_found = no se halló error
grievance-reason-not_eligible = las reglas no le dan derecho
grievance-reason-out_of_time = presentada fuera de plazo
grievance-reason-not_within_program = no es asunto de este programa
grievance-reason-withdrawn = retirada
error-bad-case = Un número de expediente es un identificador de programa, un guion y un número, como ubi-17.
error-unknown-case = No hay ninguna reclamación con el número de expediente { $case }.

evaluation-title = Evaluación del piloto
evaluation-explained = Por periodo: pagos hechos, horas desde que un pago era debido hasta que se pagó (mediana y percentil 99), actuaciones firmadas por funcionarios por pago (el calendario del propio registro no necesita ninguna), pagos fallidos, excepciones y la parte del presupuesto pagada hasta ahora. El registro no cobra comisiones.
evaluation-csv = Descargar en CSV.
evaluation-payouts = Pagos
evaluation-hours-p50 = Horas hasta el pago (mediana)
evaluation-hours-p99 = Horas hasta el pago (percentil 99)
evaluation-actions = Actuaciones por pago
evaluation-failed = Fallidos
evaluation-overrides = Excepciones
evaluation-executed = Presupuesto pagado
evaluation-partial = Esta tabla solo cubre los primeros pagos; el informe del enlace CSV los cubre todos.
