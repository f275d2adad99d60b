# The portal's messages in English. Every id here is also in es.ftl
# (a test checks it). Arguments ($name) arrive already formatted.

## Frame
skip-to-content = Skip to content
brand-chain = ledger { $chain }
nav-label = Main
nav-home = Home
nav-explorer = Explorer
nav-money = Where the money went
nav-programs = Programs
nav-check = Check a receipt
nav-help = Help
language-label = Language
search-label = Search by id
search-button = Search
footer-json = This page's data as JSON:
footer-about = Publica is a public ledger run jointly by public agencies. Everything on these pages can be checked by anyone.
footer-api = API reference (OpenAPI)
pager-label = Pages
pager-blocks = Other blocks
pager-newer = Newer
list-first = Showing the first { $shown } of { $total }.
pager-older = Older

## Table headings
col-currency = Currency
col-in-circulation = In circulation
col-paid-in = Paid by programs in { $month }
col-proof = Proof
col-height = Height
col-time = Time
col-transactions = Transactions
col-transaction = Transaction
col-hash = State root
col-action = Action
col-status = Status
col-what = What happened
col-amount = Amount
col-counterparty = Other account
col-receipt = receipt
col-validator = Validator
col-from = From
col-to = To
col-period = Month
col-payments = Payments
col-program = Program
col-agency = Agency
col-enrolled = Enrolled
col-paid = Paid
col-left = Budget left
col-version = Version
col-number = No.
col-enacted = Enacted in block
status-ok = done
status-failed = refused (nothing changed)
direction-in = (in)
direction-out = (out)

## Home
home-title = A public ledger you can check
home-intro = This ledger records what public agencies do with public money and public records: every payment, every rule and every change. Each record is signed by the official who made it and kept in an append-only log. Anyone can read it here and check any receipt themselves.
home-figures = Today in figures
home-tx-today = Transactions today (UTC)
home-tx-total = Transactions since the start
home-height = Latest block
home-last-block = Latest block at
home-money-issued = Money issued
home-no-currency = No currency has been created yet.
home-where-link = See where the money went
home-who = Who runs this ledger
home-single-node = One node keeps this ledger (a single-agency or test installation); there are no other validators to ask.
home-validators = { $n ->
    [one] One validator keeps this ledger.
   *[other] { $count } validators keep this ledger together; any { $quorum } of them must agree on each block.
}
validator-this-node = this node
validator-up = heard from in the last 10 seconds
validator-silent = silent for { $seconds } { $n ->
    [one] second
   *[other] seconds
}
validator-unheard = not heard from yet
home-agencies = Agencies
home-checkpoint = Latest checkpoint
home-checkpoint-explained = A checkpoint is the log's signed fingerprint: its size and the hash of everything in it. Every receipt is checked against one.
home-check-link = Check a receipt
home-checkpoint-raw = this checkpoint as text

## Explorer
explorer-title = Explorer
explorer-intro = Blocks, newest first. Each block groups the transactions committed together; open one to see them.
explorer-no-blocks = No block has been committed yet.
explorer-blocks-caption = Blocks, page { $page } of { $pages }
explorer-agencies-link = All agencies
block-title = Block { $height }
block-log-size = Transactions in the log after this block
block-state-root = State root
block-parent = Previous block's hash
block-ledger-events = The ledger itself did { $n ->
    [one] one scheduled task
   *[other] { $count } scheduled tasks
} at the start of this block (such as monthly payments).
block-txs-caption = Transactions, page { $page } of { $pages }
block-previous = Previous block
block-next = Next block
tx-title = Transaction
tx-pending = This transaction has been received and waits for its block. Reload in a moment.
tx-error = Why it was refused
tx-signer = Signed by (public key)
tx-block = In block
tx-leaf = Position in the log
tx-arguments = What was asked
tx-events = What happened
tx-receipt-explained = Its receipt proves this transaction and its result are in the public log.
tx-check-link = Check its receipt
account-title = Account { $id }
account-pseudonymous = Accounts are named by ids and keys, never by a person's name: the ledger holds no names, addresses or identity numbers.
account-balance = Balance
account-frozen = frozen
account-closed = closed
account-earmark = May be spent only at
account-provenance = Where its money came from
account-history = History
account-no-history = Nothing has happened on this account yet.
account-history-caption = History, newest first, page { $page } of { $pages }
account-ledger-work = by the ledger's schedule (block { $height })
agencies-title = Agencies
agencies-intro = The public bodies that act on this ledger. Each signs what it does.
agency-id = Id
agency-administrators = Administrators
agency-threshold = Administrators who must approve a sensitive act
agency-since = Member since block
agency-genesis = the start of the ledger
agency-currencies = Its currencies
agency-programs = Its programs
agency-members-json = Its members and their roles (JSON)

## Where the money went
money-title = Where the money went
money-intro = For each currency: the appropriations that allowed it to be issued, how much was issued, how much went into each program's budget and how much each program has paid out. Every figure comes from the ledger and links to the data that proves it.
money-minted = Issued
money-burned = Destroyed
money-issued = Issued
money-paid-recipients = Paid to recipients
money-not-yet-paid = Not yet paid (in program budgets)
money-other-accounts = Other accounts
money-flow-label = Flow of { $currency }, from appropriations to recipients
money-flow-table-follows = The table below gives the same figures.
money-flow-caption = Flow of { $currency }, figure by figure
money-paid-chart = { $program }: paid per month ({ $currency })
money-nothing-paid = Nothing paid yet.
money-merged-periods = { $n ->
    [one] One month with fewer than { $min } payments, combined
   *[other] { $count } months with fewer than { $min } payments each, combined
}
money-fewer-than = fewer than { $min }
money-fewer-payments = fewer than { $min } payments
money-suppressed = not shown (too few payments)
money-unattributed = Issued without a listed appropriation
money-returned = Paid, then returned to program budgets
money-counted-twice = (counted in both paid and not yet paid)
money-small-cells = To protect privacy, months with fewer than { $min } payments are combined, and counts under { $min } are not shown on these pages.

## Programs
programs-title = Programs
programs-intro = Public programs paid through this ledger: who runs them, how many people are enrolled, what they paid and what is left.
programs-none = No program has been created yet.
program-budget = Budget
program-dates = Open
program-schedule = Payments
program-monthly = every month, by the ledger itself
program-on-demand = when an official pays
program-weekly = every week, by the ledger itself
program-daily = every day, by the ledger itself
program-terms = Changes of budget, dates and schedule
program-terms-explained = A program's budget, end date and schedule change only by a decision its agency's administrators approve. Each change is listed with its reason, the block that enacted it and its approvals.
program-terms-change = What changed
program-terms-reason = Reason
program-terms-approvals = Approvals
program-terms-end = Closes
program-terms-resumed = payments resumed
program-terms-pending = Change { $number } is proposed and has { $approvals } of { $threshold } approvals.
program-funding = Paid from account
program-suspended = Suspended now
program-exited = Left the program
program-owed = Overpayments owed back
program-active = active
program-awaiting-approval = awaiting approval
program-budget-exhausted = budget spent
program-rules = Rules and their versions
program-rules-explained = A program's rules are public. Each change gets a new version, approved by the agency's administrators and in force from the time shown.
program-eligibility = Who is eligible
program-benefit = Benefit
program-condition = Condition
program-private = Conditions proven privately
program-private-explained = These conditions are checked on numbers the ledger never holds: an accredited agency records only a commitment to the number, and each enrolee proves in zero knowledge that the condition holds. The ledger, and this page, learn that it holds and nothing more.
program-private-at-least = { $attribute } at least { $value }
program-private-below = { $attribute } below { $value }
program-pending = Version { $version } is proposed and has { $approvals } of { $threshold } approvals.

## Check a receipt
check-title = Check a receipt
check-intro = A receipt proves that a transaction and its result are in this ledger's public log. Paste one below (or choose its file) and it is checked with nothing but public keys: your browser does the work where it can.
check-paste = Receipt (JSON)
check-file = Or choose a receipt file (needs JavaScript)
check-other-key = Check against another log key
check-key-label = Log verifier key
check-button = Check
check-checking = Checking…
check-verified = Verified
check-by-browser = Your browser checked the signature and the proof itself.
check-by-server = This server checked the signature and the proof (your browser did not).
check-failed = Not verified
check-detail = Technical detail
check-proved = What this proves
check-not-proved = What this does not prove
check-not-proved-height = The block number in the receipt is the node's word: the proof places the transaction in the log, not in a given block.
check-origin = Log
check-not-json = This is not a receipt: the text is not JSON.
check-malformed = This receipt is incomplete or damaged: a field is missing or has the wrong form.
check-bad-key = The log key is not a valid verifier key.
check-no-signature = The checkpoint is not signed by this log's key: the receipt is from another log, or it was altered.
check-bad-checkpoint = The checkpoint's signature does not match: the receipt was altered or is from another log.
check-wrong-origin = This receipt is for another log.
check-not-final = The checkpoint lacks the signatures of enough validators.
check-tree-size = The proof is for a different log size than the checkpoint: the receipt was altered.
check-bad-tx-signature = The transaction's own signature does not match: its content was altered.
check-wrong-leaf = The receipt's ids do not belong to its transaction: it was altered.
check-proof-mismatch = The proof does not lead to the checkpoint: this transaction or its result is not what the log holds.
check-bad-form = The form could not be read; paste the receipt and try again.
check-too-large = This receipt is larger than 1 MiB; a real receipt is a few kilobytes.

## Errors
error-title = Something is not right
error-home = Back to the home page
error-no-page = There is no page at { $path }.
error-unavailable = The ledger could not be read just now. Please try again in a moment.
error-page-number = Page "{ $given }" does not exist; pages go from 1 to { $max }.
error-bad-height = "{ $given }" is not a block number.
error-unknown-block = There is no block { $height } yet.
error-bad-tx-id = A transaction id is 64 characters of 0-9 and a-f.
error-unknown-tx = This ledger has no transaction with this id.
error-bad-account-id = An account id is 1 to 64 characters of a-z, 0-9 and . _ : -
error-unknown-account = There is no account "{ $id }".
error-bad-agency-id = An agency id is made of a-z, 0-9 and -.
error-unknown-agency = There is no agency "{ $id }".
error-bad-program-id = A program id is 1 to 64 characters of letters, digits and . _ : -
error-unknown-program = There is no program "{ $id }".
error-bad-search = Search for an id: 1 to { $max } characters, without control characters.
error-search-nothing = Nothing has the id "{ $term }". Search takes a transaction id, a block number, or the id of a program, agency, account or currency.

## Help
help-title = Help
help-contents = Lessons
help-what-heading = What this ledger is
help-what-1 = A ledger is a book of records. This one is kept jointly by public agencies: each records what it does (a payment, a new rule, a diploma) as a transaction signed with its official's key.
help-what-2 = Records are only ever added, never changed or removed. If a mistake is made, a new record corrects it, and both stay visible.
help-receipt-heading = What a receipt proves
help-receipt-1 = Every transaction has a receipt. It contains the transaction, its result, and a short mathematical proof that both are in the ledger's public log, tied to a checkpoint the ledger signed.
help-receipt-2 = With the receipt and the ledger's public key, anyone can check it on their own computer, without trusting this website or the people who run it. If a single character of the receipt is changed, the check fails.
help-check-heading = How to check a receipt
help-check-1 = Open "Check a receipt", paste the receipt's text or choose its file, and press Check.
help-check-2 = Your browser checks the checkpoint's signature and the proof itself (on a ledger kept by several validators, this server checks that enough of them signed). It tells you what was proved (which transaction, its result, its place in the log) and what was not (the block number is the node's word).
help-check-3 = You can also check a receipt on the command line with "publica verify receipt", which does the same computation.
help-private-heading = What the ledger does not hold about you
help-private-1 = The ledger holds no names, addresses, birth dates or identity numbers. People appear only as pseudonymous accounts and keys.
help-private-2 = Facts about a person that a program needs (such as "enrolled at school") are kept as commitments and checked by rules, not published in clear. Figures are shown only for groups large enough that no one can be singled out.
help-money-heading = How to follow the money
help-money-1 = "Where the money went" shows, for each currency, the budgets that allowed money to be issued, what went to each program and what each program paid, month by month. Each figure links to the data that proves it.
help-grievance-heading = If a program treated you wrongly
help-grievance-1 = Ask the agency running it to file a grievance for you, or file it yourself with your key (publica programs grievance file). You get a case number and the date by which it must be decided; if the agency is late, the case goes to its administrators by itself. The decision says why, and if it orders a payment or your enrolment, the page shows when that was done.

grievance-title = Follow a grievance
grievance-explained = Anyone who thinks a program treated them wrongly can file a grievance with the agency (at its desk, or signed with their own key). It gets a case number and a date by which it must be decided; an overdue case goes to the agency's administrators. Type a case number to see where it stands. What you wrote stays with the agency: the ledger holds only a fingerprint of it.
grievance-case-number = Case number
grievance-look-up = Look up
grievance-case = Case { $case }
grievance-category = About
grievance-period = Period
grievance-filed = Filed
grievance-due = Decision due by
grievance-handled-by = Handled by
grievance-escalated = the agency's administrators (escalated { $level } times: overdue)
grievance-assigned = an official assigned to it
grievance-not-assigned = the program's officials (not yet assigned)
grievance-decision = Decision
grievance-pending = not yet decided
grievance-upheld = upheld
grievance-rejected = rejected
grievance-decided = Decided
grievance-remedy = Ordered
grievance-remedy-payout = the payment for { $period }
grievance-remedy-enrolment = enrolment in the program
grievance-remedied = done
grievance-not-remedied = not yet done
grievance-figures = Grievances
grievance-figures-explained = Grievances filed each month, by what they are about, and how many days their decision took (the median).
grievance-follow = Follow a grievance by its case number.
grievance-col-filed = Filed
grievance-col-decided = Decided
grievance-col-open = Open
grievance-col-escalated = Escalated
grievance-col-median = Days to decision
grievance-category-enrolment_denied = enrolment refused
grievance-category-payment_missing = a missing payment
grievance-category-wrong_amount = a wrong amount
grievance-category-suspension = a suspension
grievance-category-exit = an enrolment ended
grievance-category-overpayment = an overpayment claimed back
grievance-category-conduct = how officials acted
grievance-category-other = something else
grievance-reason-payment_due = the payment was due and is made
grievance-reason-amount_corrected = the amount is corrected
grievance-reason-eligible_after_review = eligible after review
grievance-reason-records_corrected = the records are corrected
grievance-reason-no_error_found = no error was found
grievance-reason-not_eligible = the rules do not make the person eligible
grievance-reason-out_of_time = filed too late
grievance-reason-not_within_program = not a matter of this program
grievance-reason-withdrawn = withdrawn
error-bad-case = A case number is a program id, a dash and a number, like ubi-17.
error-unknown-case = There is no grievance with case number { $case }.

evaluation-title = Pilot evaluation
evaluation-explained = Per period: payments made, hours from when a payment was due to when it was paid (median and 99th percentile), officials' signed actions per payment (the ledger's own schedule needs none), failed payments, overrides, and the share of the budget paid out so far. The ledger charges no fees.
evaluation-csv = Download as CSV.
evaluation-payouts = Payments
evaluation-hours-p50 = Hours to pay (median)
evaluation-hours-p99 = Hours to pay (99th pct.)
evaluation-actions = Official actions per payment
evaluation-failed = Failed
evaluation-overrides = Overrides
evaluation-executed = Budget paid out
evaluation-partial = This table covers the first payments only; the report behind the CSV link covers them all.
