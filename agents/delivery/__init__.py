"""Everything that leaves the server: outbox rows (`Delivery`), attempted by the task queue, retried, recorded.

`queue` is the life of a delivery; `http` the outgoing requests and their signatures; `webhooks` the
integration API's webhooks. Push senders live in `devices.push`, the missed-message email in `conversations`.
"""
