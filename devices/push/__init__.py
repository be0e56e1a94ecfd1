"""Push notifications (client API §7): one delivery per device with a token, sent by the device's push service.

`services` fans a push out to customers' devices; `payloads` shapes it per service and device type; `fcm`,
`apns` and `custom` are the senders the delivery queue calls.
"""
