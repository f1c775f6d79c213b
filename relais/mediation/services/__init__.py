"""Writes of the mediation app, one module per entity (as Zulip's `zerver/actions/`).
Each call validates, changes atomically, writes its audit entry and queues its messages
in the same transaction, so the resident's form, the staff screens and the management
commands behave the same. Import from the module itself; this package re-exports nothing.

- `dropins`: drop-in sessions, a date cancelled or restored, school holidays;
- `appointments`: booking (online or by staff, with a code first when the type asks),
  cancelling, moving (to another time, place or type), the outcome;
- `types`: appointment types of any team and their openings (places, counters);
- `workshops`: workshops, registrations and their waitlist, attendance, certificates;
- `reminders`: the daily reminders of appointments and workshop sessions;
- `accompaniments`: records of accompaniment, individual or collective;
- `calendar`: advisors' private calendar feeds;
- `merge`: what a merge of two records of one person needs first.

`_common` holds the few helpers several of them share. Reads are in
`relais.mediation.selectors`, the refusals a person can act on in
`relais.mediation.exceptions`, the retention rule in `relais.mediation.retention`.
"""
