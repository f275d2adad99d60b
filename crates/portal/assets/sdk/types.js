// What the node's HTTP API answers (GET /openapi.json; docs/*.md).
// Hashes, ids and keys are lowercase hex strings.
export {};
