//! The programs module's read API: a program's figures, an enrolee's
//! payouts, a payment run's reconciliation (JSON, CSV or G2P Connect
//! disburse shapes), the dry run of a rule change, and published indexes.

use crate::{codes, period, queries};
use publica_runtime::routes::{
    Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use publica_types::AccountId;
use serde_json::{json, Value};

const PROGRAM_ID: Param = Param::path("id", "Program id");

/// The JSON Schema of one payout (or its failure), as run reports and an
/// enrolee's page list them.
macro_rules! payout_schema {
    () => {
        r##"{
            "type": "object",
            "description": "One payment of a program (or its failure).",
            "required": [
                "account",
                "amount",
                "height",
                "kind",
                "period",
                "status",
                "version"
            ],
            "properties": {
                "account": {
                    "$ref": "#/components/schemas/Hex32"
                },
                "amount": {
                    "$ref": "#/components/schemas/Amount"
                },
                "height": {
                    "type": "integer",
                    "minimum": 1
                },
                "kind": {
                    "type": "string"
                },
                "period": {
                    "type": "string"
                },
                "status": {
                    "type": "string",
                    "enum": [
                        "paid",
                        "failed"
                    ]
                },
                "tx_id": {
                    "$ref": "#/components/schemas/Hex32",
                    "description": "The transaction that paid it; absent for the ledger's own scheduled work."
                },
                "version": {
                    "type": "integer",
                    "minimum": 1
                },
                "override_reason": {
                    "type": [
                        "string",
                        "null"
                    ]
                },
                "recovered": {
                    "$ref": "#/components/schemas/Amount",
                    "description": "Deducted from the benefit to recover an overpayment; `amount` is what was paid after it. Absent when nothing was."
                },
                "error": {
                    "type": [
                        "string",
                        "object",
                        "null"
                    ]
                }
            }
        }"##
    };
}

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "program",
        verb: Verb::Get,
        path: "/v1/programs/{id}",
        summary: "A program: definition, rule versions, enrolled count, paid total, remaining budget, payouts per period, next scheduled run.",
        params: &[PROGRAM_ID],
        body: None,
        answer: "`{program, enrolled, paid_total, remaining_budget, periods: [...], schedule, version_in_force, definition_hash, approval_hash, terms_approval_hash, amendments: [...]}` (the latest 100 enacted changes of terms, oldest first)",
        schema: r##"{
          "type": "object",
          "required": [
            "program",
            "enrolled",
            "paid_total",
            "remaining_budget",
            "periods",
            "schedule",
            "version_in_force",
            "definition_hash",
            "approval_hash",
            "terms_approval_hash",
            "amendments"
          ],
          "properties": {
            "program": {
              "type": "object",
              "required": [
                "id",
                "name",
                "agency",
                "currency",
                "active",
                "versions"
              ],
              "properties": {
                "id": {
                  "type": "string"
                },
                "name": {
                  "type": "string"
                },
                "agency": {
                  "type": "string"
                },
                "currency": {
                  "type": "string"
                },
                "active": {
                  "type": "boolean"
                },
                "budget_cap": {
                  "$ref": "#/components/schemas/Amount"
                },
                "private_conditions": {
                  "description": "Thresholds on numbers attested only as commitments, proven in zero knowledge at enrolment (docs/programs.md, Private eligibility); absent when none.",
                  "type": "array",
                  "maxItems": 4,
                  "items": {
                    "type": "object",
                    "required": ["attribute"],
                    "additionalProperties": false,
                    "properties": {
                      "attribute": {"type": "string"},
                      "at_least": {"type": "integer", "minimum": 0},
                      "below": {"type": "integer", "minimum": 1}
                    }
                  }
                },
                "versions": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": [
                      "version",
                      "from_height"
                    ],
                    "properties": {
                      "version": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "from_height": {
                        "type": "integer",
                        "minimum": 0
                      }
                    }
                  }
                }
              }
            },
            "enrolled": {
              "type": "integer",
              "minimum": 0
            },
            "paid_total": {
              "$ref": "#/components/schemas/Amount"
            },
            "remaining_budget": {
              "oneOf": [
                {
                  "$ref": "#/components/schemas/Amount"
                },
                {
                  "type": "null"
                }
              ]
            },
            "periods": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "period",
                  "paid_count",
                  "paid_amount",
                  "failed_count"
                ],
                "properties": {
                  "period": {
                    "type": "string"
                  },
                  "paid_count": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "paid_amount": {
                    "$ref": "#/components/schemas/Amount"
                  },
                  "failed_count": {
                    "type": "integer",
                    "minimum": 0
                  }
                }
              }
            },
            "schedule": {
              "type": [
                "object",
                "null"
              ]
            },
            "version_in_force": {
              "type": [
                "integer",
                "null"
              ]
            },
            "definition_hash": {
              "$ref": "#/components/schemas/Hex32"
            },
            "approval_hash": {
              "oneOf": [
                {
                  "$ref": "#/components/schemas/Hex32"
                },
                {
                  "type": "null"
                }
              ]
            },
            "terms_approval_hash": {
              "oneOf": [
                {
                  "$ref": "#/components/schemas/Hex32"
                },
                {
                  "type": "null"
                }
              ]
            },
            "amendments": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "change",
                  "hash",
                  "proposed_by",
                  "proposed_height",
                  "approvals",
                  "enacted_height",
                  "before",
                  "resumed"
                ],
                "additionalProperties": false,
                "properties": {
                  "change": {
                    "type": "object",
                    "required": [
                      "program",
                      "number",
                      "reason"
                    ],
                    "additionalProperties": false,
                    "properties": {
                      "program": {
                        "type": "string"
                      },
                      "number": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "budget_cap": {
                        "$ref": "#/components/schemas/Amount"
                      },
                      "end_ms": {
                        "type": "integer",
                        "minimum": 0
                      },
                      "schedule": {
                        "enum": [
                          "monthly",
                          "weekly",
                          "daily",
                          "none"
                        ]
                      },
                      "reason": {
                        "type": "string"
                      }
                    }
                  },
                  "hash": {
                    "$ref": "#/components/schemas/Hex32"
                  },
                  "proposed_by": {
                    "$ref": "#/components/schemas/Hex32"
                  },
                  "proposed_height": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "approvals": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Hex32"
                    }
                  },
                  "enacted_height": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "before": {
                    "type": "object",
                    "required": [
                      "budget_cap",
                      "end_ms",
                      "schedule"
                    ],
                    "properties": {
                      "budget_cap": {
                        "$ref": "#/components/schemas/Amount"
                      },
                      "end_ms": {
                        "type": "integer",
                        "minimum": 0
                      },
                      "schedule": {
                        "enum": [
                          "monthly",
                          "weekly",
                          "daily",
                          null
                        ]
                      }
                    }
                  },
                  "resumed": {
                    "type": "boolean"
                  }
                }
              }
            }
          }
        }"##,
        errors: &[(404, "No such program")],
        weight: Weight::Light,
        handler: program,
    },
    Route {
        name: "enrolee",
        verb: Verb::Get,
        path: "/v1/programs/{id}/enrolees/{account}",
        summary: "An enrolee's enrolment and payouts; each payout names its block height and, when a transaction released it, the transaction id whose receipt proves it (scheduled payouts are in the block's `ledger_events`).",
        params: &[PROGRAM_ID, Param::path("account", "Enrolee account (64 hex)")],
        body: None,
        answer: "`{enrolment, payouts: [...]}`",
        schema: concat!(
            r##"{
              "type": "object",
              "required": [
                "enrolment",
                "payouts"
              ],
              "properties": {
                "enrolment": {
                  "type": "object",
                  "required": [
                    "account",
                    "benefit_account",
                    "height"
                  ],
                  "properties": {
                    "account": {
                      "$ref": "#/components/schemas/Hex32"
                    },
                    "benefit_account": {
                      "type": "string"
                    },
                    "height": {
                      "type": "integer",
                      "minimum": 1
                    },
                    "standing": {
                      "description": "Absent while active.",
                      "type": "object",
                      "required": [
                        "state",
                        "reason",
                        "since_ms",
                        "by"
                      ],
                      "properties": {
                        "state": {
                          "enum": [
                            "suspended",
                            "exited"
                          ]
                        },
                        "reason": {
                          "type": "string"
                        },
                        "since_ms": {
                          "type": "integer",
                          "minimum": 0
                        },
                        "review_ms": {
                          "type": "integer",
                          "minimum": 0
                        },
                        "by": {
                          "$ref": "#/components/schemas/Hex32"
                        }
                      }
                    },
                    "proven": {
                      "description": "The commitments the program's private conditions were proven on, by attribute (hex); absent for a program without them.",
                      "type": "object",
                      "additionalProperties": {"$ref": "#/components/schemas/Hex32"}
                    },
                    "debt": {
                      "description": "Overpayments owed back and their recovery; absent when none was recorded.",
                      "type": "object",
                      "required": [
                        "recorded",
                        "recovered",
                        "written_off",
                        "entries"
                      ],
                      "properties": {
                        "recorded": {
                          "$ref": "#/components/schemas/Amount"
                        },
                        "recovered": {
                          "$ref": "#/components/schemas/Amount"
                        },
                        "written_off": {
                          "$ref": "#/components/schemas/Amount"
                        },
                        "entries": {
                          "type": "array",
                          "items": {
                            "type": "object",
                            "required": [
                              "kind",
                              "amount",
                              "reason",
                              "by",
                              "height"
                            ],
                            "properties": {
                              "kind": {
                                "enum": [
                                  "overpayment",
                                  "write_off"
                                ]
                              },
                              "amount": {
                                "$ref": "#/components/schemas/Amount"
                              },
                              "reason": {
                                "type": "string"
                              },
                              "period": {
                                "type": "string"
                              },
                              "by": {
                                "$ref": "#/components/schemas/Hex32"
                              },
                              "height": {
                                "type": "integer",
                                "minimum": 1
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                },
                "payouts": {
                  "type": "array",
                  "items": "##,
            payout_schema!(),
            r#"
                }
              }
            }"#
        ),
        errors: &[(400, "Malformed account"), (404, "Not enrolled")],
        weight: Weight::Light,
        handler: enrolee,
    },
    Route {
        name: "run",
        verb: Verb::Get,
        path: "/v1/programs/{id}/runs/{period}",
        summary: "A payment run's reconciliation: every payout and failure of a period, with its totals.",
        params: &[
            PROGRAM_ID,
            Param::path("period", "YYYY-MM, YYYY-Www or YYYY-MM-DD, as the program pays"),
            Param::query("from", "First entry (default 0)"),
            Param::query("limit", "Entries (1..=10000, default 1000)"),
            Param::query("format", "`json` (default), `csv`, or `g2p` (G2P Connect disburse shapes)"),
        ],
        body: None,
        answer: "JSON `{program, period, totals, from, entries}`, CSV, or G2P Connect on-disburse `{header, message: {transaction_id, disbursements_status: [...]}}` (disbursement API v1.0.0; amounts as decimals with two places)",
        schema: concat!(
            r##"{
              "type": "object",
              "description": "The JSON form (`format=json`, the default); `format=csv` answers text/csv and `format=g2p` a G2P Connect on-disburse message.",
              "required": [
                "program",
                "period",
                "totals",
                "from",
                "entries"
              ],
              "properties": {
                "program": {
                  "type": "string"
                },
                "period": {
                  "type": "string"
                },
                "from": {
                  "type": "integer",
                  "minimum": 0
                },
                "totals": {
                  "type": "object",
                  "required": [
                    "entries",
                    "paid_count",
                    "paid_amount",
                    "failed_count"
                  ],
                  "properties": {
                    "entries": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "paid_count": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "paid_amount": {
                      "$ref": "#/components/schemas/Amount"
                    },
                    "failed_count": {
                      "type": "integer",
                      "minimum": 0
                    }
                  }
                },
                "entries": {
                  "type": "array",
                  "items": "##,
            payout_schema!(),
            r#"
                }
              }
            }"#
        ),
        errors: &[(400, "Bad period or parameter"), (404, "No such program, or no run for that period")],
        weight: Weight::Light,
        handler: run,
    },
    Route {
        name: "dry-run",
        verb: Verb::Post,
        path: "/v1/programs/{id}/dry-run",
        summary: "Evaluates a proposed rule change against every current enrolee and reports who would gain or lose what; nothing is enacted.",
        params: &[PROGRAM_ID],
        body: Some("`{eligibility?, benefit?, condition?, params?, period?}`"),
        answer: "`{gainers, losers, unchanged, total_current, total_proposed, changes: [...]}` (totals are decimal strings)",
        schema: r##"{
          "type": "object",
          "required": [
            "program",
            "period",
            "enrolees",
            "gainers",
            "losers",
            "unchanged",
            "total_current",
            "total_proposed",
            "changes"
          ],
          "properties": {
            "program": {
              "type": "string"
            },
            "period": {
              "type": "string"
            },
            "enrolees": {
              "type": "integer",
              "minimum": 0
            },
            "gainers": {
              "type": "integer",
              "minimum": 0
            },
            "losers": {
              "type": "integer",
              "minimum": 0
            },
            "unchanged": {
              "type": "integer",
              "minimum": 0
            },
            "total_current": {
              "$ref": "#/components/schemas/Amount"
            },
            "total_proposed": {
              "$ref": "#/components/schemas/Amount"
            },
            "changes": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "account",
                  "current",
                  "proposed",
                  "delta"
                ],
                "properties": {
                  "account": {
                    "$ref": "#/components/schemas/Hex32"
                  },
                  "current": {
                    "type": "integer"
                  },
                  "proposed": {
                    "type": "integer"
                  },
                  "delta": {
                    "type": "integer"
                  }
                }
              }
            }
          }
        }"##,
        errors: &[
            (400, "Malformed body or bad rule (with line and column; rules above 256 cost units are refused)"),
            (404, "No such program"),
            (429, "Two dry runs are already running"),
        ],
        weight: Weight::Heavy,
        handler: dry_run,
    },
    Route {
        name: "indexes",
        verb: Verb::Get,
        path: "/v1/indexes",
        summary: "Every published index (e.g. a statistics office's CPI) with its latest value.",
        params: &[],
        body: None,
        answer: "`{indexes: [{agency, name, reference, threshold, latest, published}]}`",
        schema: r#"{
          "type": "object",
          "required": [
            "indexes"
          ],
          "properties": {
            "indexes": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "agency",
                  "name",
                  "reference",
                  "threshold",
                  "published"
                ],
                "properties": {
                  "agency": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "reference": {
                    "type": "string"
                  },
                  "threshold": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "published": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "latest": {
                    "type": [
                      "object",
                      "null"
                    ]
                  }
                }
              }
            }
          }
        }"#,
        errors: &[],
        weight: Weight::Light,
        handler: indexes,
    },
    Route {
        name: "index",
        verb: Verb::Get,
        path: "/v1/indexes/{agency}/{name}",
        summary: "One agency's index: every published value (the period it measures, when and at which height it was published) and the open votes.",
        params: &[Param::path("agency", "The oracle agency"), Param::path("name", "Index name")],
        body: None,
        answer: "`{name, agency, threshold, values: [{period, value, published_ms, height}], votes}`",
        schema: r#"{
          "type": "object",
          "required": [
            "name",
            "agency",
            "threshold",
            "values",
            "votes"
          ],
          "properties": {
            "name": {
              "type": "string"
            },
            "agency": {
              "type": "string"
            },
            "threshold": {
              "type": "integer",
              "minimum": 1
            },
            "values": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "period",
                  "value",
                  "published_ms",
                  "height"
                ],
                "properties": {
                  "period": {
                    "type": "string"
                  },
                  "value": {
                    "type": "integer"
                  },
                  "published_ms": {
                    "type": "integer"
                  },
                  "height": {
                    "type": "integer"
                  }
                }
              }
            },
            "votes": {
              "type": "object"
            }
          }
        }"#,
        errors: &[(404, "No such index")],
        weight: Weight::Light,
        handler: index,
    },
    Route {
        name: "grievance",
        verb: Verb::Get,
        path: "/v1/grievances/{case}",
        summary: "A grievance by its case number: program, category, when filed, deadline, escalation level, assignment and decision (the complaint's text stays with the agency; `details_hash` is its SHA-256).",
        params: &[Param::path("case", "Case number, <program>-<n>")],
        body: None,
        answer: "`{case, program, category, complainant, details_hash, filed_ms, deadline_ms, level, assigned_to?, decision?: {outcome, reason, by, ms, remedy?, remedied_height?}}`",
        schema: r##"{
          "type": "object",
          "required": [
            "case",
            "program",
            "category",
            "complainant",
            "details_hash",
            "filed_by",
            "filed_ms",
            "filed_height",
            "deadline_ms",
            "level"
          ],
          "properties": {
            "case": {
              "type": "string"
            },
            "program": {
              "type": "string"
            },
            "category": {
              "enum": [
                "enrolment_denied",
                "payment_missing",
                "wrong_amount",
                "suspension",
                "exit",
                "overpayment",
                "conduct",
                "other"
              ]
            },
            "complainant": {
              "$ref": "#/components/schemas/Hex32"
            },
            "period": {
              "type": "string"
            },
            "details_hash": {
              "$ref": "#/components/schemas/Hex32"
            },
            "filed_by": {
              "$ref": "#/components/schemas/Hex32"
            },
            "filed_ms": {
              "type": "integer",
              "minimum": 0
            },
            "filed_height": {
              "type": "integer",
              "minimum": 1
            },
            "deadline_ms": {
              "type": "integer",
              "minimum": 0
            },
            "level": {
              "type": "integer",
              "minimum": 0
            },
            "assigned_to": {
              "$ref": "#/components/schemas/Hex32"
            },
            "decision": {
              "type": "object",
              "required": [
                "outcome",
                "reason",
                "by",
                "ms",
                "height"
              ],
              "properties": {
                "outcome": {
                  "enum": [
                    "upheld",
                    "rejected"
                  ]
                },
                "reason": {
                  "type": "string"
                },
                "by": {
                  "$ref": "#/components/schemas/Hex32"
                },
                "ms": {
                  "type": "integer",
                  "minimum": 0
                },
                "height": {
                  "type": "integer",
                  "minimum": 1
                },
                "remedy": {
                  "type": "object",
                  "required": [
                    "kind"
                  ],
                  "properties": {
                    "kind": {
                      "enum": [
                        "payout",
                        "enrolment"
                      ]
                    },
                    "period": {
                      "type": "string"
                    }
                  }
                },
                "remedied_height": {
                  "type": "integer",
                  "minimum": 1
                }
              }
            }
          }
        }"##,
        errors: &[(404, "No such case (`programs.unknown_case`)")],
        weight: Weight::Light,
        handler: grievance,
    },
    Route {
        name: "grievance_stats",
        verb: Verb::Get,
        path: "/v1/programs/{id}/grievances",
        summary: "A program's grievances by the month they were filed and category: filed, decided, upheld, rejected, open, escalated, and days from filing to decision (median, 90th percentile).",
        params: &[PROGRAM_ID],
        body: None,
        answer: "`{program, cases, months: [{month, category, filed, decided, upheld, rejected, open, escalated, median_days_to_decision, p90_days_to_decision}]}`",
        schema: r#"{
          "type": "object",
          "required": [
            "program",
            "cases",
            "months"
          ],
          "properties": {
            "program": {
              "type": "string"
            },
            "cases": {
              "type": "integer",
              "minimum": 0
            },
            "months": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "month",
                  "category",
                  "filed",
                  "decided",
                  "upheld",
                  "rejected",
                  "open",
                  "escalated",
                  "median_days_to_decision",
                  "p90_days_to_decision"
                ],
                "properties": {
                  "month": {
                    "type": "string"
                  },
                  "category": {
                    "type": "string"
                  },
                  "filed": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "decided": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "upheld": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "rejected": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "open": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "escalated": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "median_days_to_decision": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "p90_days_to_decision": {
                    "type": [
                      "number",
                      "null"
                    ]
                  }
                }
              }
            }
          }
        }"#,
        errors: &[(404, "No such program")],
        weight: Weight::Heavy,
        handler: grievance_stats,
    },
    Route {
        name: "evaluation",
        verb: Verb::Get,
        path: "/v1/programs/{id}/evaluation",
        summary: "The pilot evaluation report: per period, payouts and amounts, hours from due to paid (p50, p99), officials' actions per payout, failures by code, overrides by reason, budget executed; and the program's totals.",
        params: &[
            PROGRAM_ID,
            Param::query("format", "`json` (default) or `csv` (one row per period)"),
        ],
        body: None,
        answer: "`{program, currency, budget_cap, paid_total, budget_executed_pct, enrolled, suspended, exited, duplicate_enrolments_allowed_by_override, fees, complete, periods: [{period, payouts, paid_amount, recovered_amount, by_kind, failed, overrides, hours_to_payment_p50, hours_to_payment_p99, official_actions, actions_per_payout, cumulative_paid, cumulative_budget_executed_pct}]}`",
        schema: r##"{
          "type": "object",
          "required": [
            "program",
            "currency",
            "budget_cap",
            "paid_total",
            "budget_executed_pct",
            "enrolled",
            "fees",
            "complete",
            "periods"
          ],
          "properties": {
            "program": {
              "type": "string"
            },
            "currency": {
              "type": "string"
            },
            "budget_cap": {
              "$ref": "#/components/schemas/Amount"
            },
            "paid_total": {
              "$ref": "#/components/schemas/Amount"
            },
            "budget_executed_pct": {
              "type": "number",
              "minimum": 0
            },
            "enrolled": {
              "type": "integer",
              "minimum": 0
            },
            "fees": {
              "$ref": "#/components/schemas/Amount"
            },
            "complete": {
              "type": "boolean"
            },
            "periods": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "period",
                  "payouts",
                  "paid_amount",
                  "by_kind",
                  "failed",
                  "overrides",
                  "hours_to_payment_p50",
                  "hours_to_payment_p99",
                  "official_actions",
                  "actions_per_payout",
                  "cumulative_budget_executed_pct"
                ],
                "properties": {
                  "period": {
                    "type": "string"
                  },
                  "payouts": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "paid_amount": {
                    "$ref": "#/components/schemas/Amount"
                  },
                  "recovered_amount": {
                    "$ref": "#/components/schemas/Amount"
                  },
                  "by_kind": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "integer"
                    }
                  },
                  "failed": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "integer"
                    }
                  },
                  "overrides": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "integer"
                    }
                  },
                  "hours_to_payment_p50": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "hours_to_payment_p99": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "official_actions": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "actions_per_payout": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "cumulative_budget_executed_pct": {
                    "type": "number",
                    "minimum": 0
                  }
                }
              }
            }
          }
        }"##,
        errors: &[(400, "Bad format"), (404, "No such program")],
        weight: Weight::Heavy,
        handler: evaluation,
    },
];

fn no_program(id: &str) -> ReadError {
    ReadError::not_found(codes::UNKNOWN_PROGRAM, format!("no program '{id}'"))
}

fn program(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = req.path("id");
    queries::summary(view.state(), id, view.height())
        .map(Reply::json)
        .ok_or_else(|| no_program(id))
}

fn enrolee(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (id, account) = (req.path("id"), req.path("account"));
    let a: AccountId = account
        .parse()
        .map_err(|_| ReadError::bad_param("an account is 64 hex characters"))?;
    queries::enrolee(view.state(), id, &a)
        .map(Reply::json)
        .ok_or_else(|| {
            ReadError::not_found(
                codes::NOT_ENROLLED,
                format!("{account} is not enrolled in '{id}'"),
            )
        })
}

fn run(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (id, per) = (req.path("id"), req.path("period"));
    if !period::valid(per) {
        return Err(ReadError::bad_param(
            "a period is YYYY-MM, YYYY-Www (an ISO week) or YYYY-MM-DD",
        ));
    }
    let limit = req.number("limit", 1000, 1..=queries::PAGE_MAX)?;
    let format = req.query("format").unwrap_or("json");
    if !["json", "csv", "g2p"].contains(&format) {
        return Err(ReadError::bad_param("format is json, csv or g2p"));
    }
    let from = req.number("from", 0, 0..=u64::MAX)?;
    let currency = queries::program(view.state(), id)
        .map(|p| p.currency)
        .ok_or_else(|| no_program(id))?;
    let decimals =
        publica_money::queries::currency(view.state(), &currency).map_or(2, |(c, _, _)| c.decimals);
    let (totals, entries) = queries::run(view.state(), id, per, from, limit).ok_or_else(|| {
        ReadError::not_found(
            codes::INVALID_PERIOD,
            format!("program '{id}' has no run for {per}"),
        )
    })?;
    Ok(match format {
        "csv" => Reply::text("text/csv; charset=utf-8", run_csv(&entries, &currency)),
        "g2p" => {
            let now = period::timestamp(view.now_ms());
            let money = (currency.as_str(), decimals);
            Reply::json(run_g2p(id, per, from, &totals, &entries, money, &now))
        }
        _ => Reply::json(
            json!({"program": id, "period": per, "totals": totals, "from": from, "entries": entries}),
        ),
    })
}

fn run_csv(entries: &[crate::model::RunEntry], currency: &str) -> String {
    let mut out =
        String::from("account,period,status,amount,currency,code,version,kind,height,tx_id\n");
    for e in entries {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            e.account.to_hex(),
            e.period,
            e.status,
            e.amount,
            currency,
            e.code.as_deref().unwrap_or(""),
            e.version,
            e.kind.as_str(),
            e.height,
            e.tx_id.as_deref().unwrap_or(""),
        ));
    }
    out
}

/// A run as G2P Connect's on-disburse message (disbursement API v1.0.0):
/// payer = the program, payee = the enrolee's account, one status per
/// payout. Amounts in the standard's decimal form (left out when they have
/// none, `crate::g2p`), the currency only when it is an ISO code, a reason
/// code only where the standard has one; the ledger's code and message are
/// in `status_reason_message`.
fn run_g2p(
    id: &str,
    per: &str,
    from: u64,
    totals: &crate::model::PeriodTotals,
    entries: &[crate::model::RunEntry],
    (currency, decimals): (&str, u8),
    now: &str,
) -> Value {
    let records: Vec<Value> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut r = json!({
                "reference_id": format!("{id}/{per}/{}", from + i as u64),
                "timestamp": now,
                "payer_fa": format!("publica:program:{id}"),
                "payee_fa": format!("publica:account:{}", e.account.to_hex()),
                "status": if e.status == "paid" { "succ" } else { "rjct" },
                "instruction": format!("{} payout, rules version {}, block {}{}", e.kind.as_str(), e.version, e.height, e.tx_id.as_deref().map(|t| format!(", tx {t}")).unwrap_or_default()),
            });
            if let Some(amount) = crate::g2p::amount_text(e.amount.get(), decimals) {
                r["amount"] = json!(amount);
            }
            if crate::g2p::iso_currency(currency) {
                r["currency_code"] = json!(currency);
            }
            if let Some(code) = &e.code {
                if let Some(reason) = crate::g2p::reason_code(code) {
                    r["status_reason_code"] = json!(reason);
                }
                let message = e.message.as_deref().unwrap_or_default();
                r["status_reason_message"] = json!(crate::g2p::reason_message(code, message));
            }
            r
        })
        .collect();
    json!({
        "header": {"version": "1.0.0", "message_id": format!("{id}/{per}/{from}/{now}"), "message_ts": now, "action": "on-disburse", "status": "succ", "total_count": totals.entries, "completed_count": totals.entries},
        "message": {"transaction_id": format!("{id}/{per}"), "disbursements_status": records},
    })
}

fn dry_run(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let proposal: queries::Proposal = req.body("a proposal")?;
    queries::dry_run(
        view.state(),
        req.path("id"),
        proposal,
        view.height(),
        view.now_ms(),
    )
    .map(Reply::json)
}

fn indexes(view: &dyn ReadView, _: &RouteRequest) -> Result<Reply, ReadError> {
    Ok(Reply::json(
        json!({ "indexes": queries::indexes(view.state()) }),
    ))
}

fn index(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (agency, name) = (req.path("agency"), req.path("name"));
    queries::index(view.state(), agency, name)
        .map(Reply::json)
        .ok_or_else(|| {
            ReadError::not_found(codes::UNKNOWN_INDEX, format!("no index '{agency}/{name}'"))
        })
}

fn grievance(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let case = req.path("case");
    crate::grievance::read_case(view.state(), case)
        .map(|g| Reply::json(serde_json::to_value(g).expect("a grievance is JSON")))
        .ok_or_else(|| ReadError::not_found(codes::UNKNOWN_CASE, format!("no case '{case}'")))
}

fn grievance_stats(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = req.path("id");
    queries::program(view.state(), id).ok_or_else(|| no_program(id))?;
    Ok(Reply::json(crate::grievance::stats(
        view.state(),
        id,
        crate::grievance::STATS_CASES_MAX,
    )))
}

fn evaluation(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = req.path("id");
    let format = req.query("format").unwrap_or("json");
    if !["json", "csv"].contains(&format) {
        return Err(ReadError::bad_param("format is json or csv"));
    }
    let report = crate::evaluation::report(
        view.state(),
        id,
        &|h| view.block_time_ms(h),
        crate::evaluation::ENTRIES_MAX,
    )
    .ok_or_else(|| no_program(id))?;
    Ok(match format {
        "csv" => Reply::text("text/csv; charset=utf-8", crate::evaluation::csv(&report)),
        _ => Reply::json(report),
    })
}
