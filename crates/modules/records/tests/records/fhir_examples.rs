//! HL7's FHIR R4 examples of the kept types pass the checks; the others,
//! and damaged copies, do not. Reads `../shared/testdata/fhir-r4` (skips,
//! saying so, where it is absent).

use publica_records::fhir;
use serde_json::Value;
use std::path::PathBuf;

fn examples() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/testdata/fhir-r4/examples");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: {} is absent (../shared holds the HL7 FHIR R4 examples)",
            dir.display()
        );
        None
    }
}

#[test]
fn hl7_examples_of_the_kept_types_pass_and_damaged_ones_do_not() {
    let Some(dir) = examples() else { return };
    let mut kept = 0;
    for (file, rt) in [
        ("Patient-example.json", "Patient"),
        ("Observation-example.json", "Observation"),
        ("Condition-example.json", "Condition"),
        ("MedicationRequest-medrx0302.json", "MedicationRequest"),
        ("DocumentReference-example.json", "DocumentReference"),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let (v, got) = fhir::parse(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(got, rt);
        kept += 1;
        // Damaged: an unknown member, a wrong type, a missing required one.
        let mut extra = v.clone();
        extra["colour"] = Value::from("blue");
        assert!(
            fhir::check(&extra).is_err(),
            "{file} with an unknown member"
        );
        let mut wrong = v.clone();
        wrong["id"] = Value::from("not an id!");
        assert!(fhir::check(&wrong).is_err(), "{file} with a bad id");
    }
    assert_eq!(kept, 5);
    let bundle = std::fs::read(dir.join("Bundle-bundle-example.json")).unwrap();
    let e = fhir::parse(&bundle).unwrap_err();
    assert!(e.0.contains("'Bundle' is not kept"), "{e}");
    let obs: Value =
        serde_json::from_slice(&std::fs::read(dir.join("Observation-example.json")).unwrap())
            .unwrap();
    let mut no_code = obs.clone();
    no_code.as_object_mut().unwrap().remove("code");
    assert_eq!(
        fhir::check(&no_code).unwrap_err().0,
        "code: required in Observation"
    );
    let mut bad_status = obs;
    bad_status["status"] = Value::from("done");
    assert!(fhir::check(&bad_status)
        .unwrap_err()
        .0
        .starts_with("status: not one of"));
}
