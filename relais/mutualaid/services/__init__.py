"""Writes of the mutual-aid board, one module per entity (as Zulip's `zerver/actions/`).

Each call checks its rule, changes atomically, writes its audit entry and queues the
messages to residents, so the resident's page, the staff screens and the scheduled
commands behave the same. `actor` is the login doing the action: the resident themself
online, or the staff member acting for a resident without internet (recorded as such).

- `listings`: post, edit, renew, close a listing; reminders and expiry; lists sent by letter.
- `conversations`: answer a listing, messages, relaying them to residents without internet,
  sharing contact details, thank-you notes.
- `moderation`: decisions on listings, reports, suspensions, the "met" badge, blocks, and
  the journal entry of staff reading residents' board data.
- `links`: the signed links that renew a listing from its reminder.
- `settings`: a team's board settings and neighbourhoods.
- `_common`: the few helpers several of them need (private).

Failures a resident may meet are `models.BoardError` (with a message for them) and
`models.TransitionError`. Reads, including the rules that only read (`is_suspended`,
`renew_refusal`…), are in `relais.mutualaid.selectors`.
"""
