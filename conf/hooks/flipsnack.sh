#!/bin/sh
# Hook for Flipsnack orders (install.sh's endpoint "catalog", event type
# "order"). hookbox runs it in this folder once per order, after Flipsnack
# has had its answer, and retries it until it exits 0.
#
# stdin: the order exactly as Flipsnack sent it, JSON, e.g.
#   {"type":"orders","order_id":"6a1f0c2e9b7d4e55","datetime":"2025-12-03 12:56:21",
#    "custom_fields":[{"field_name":"Email address","field_value":"…"}],
#    "items":[{"sku":"5678999b","name":"…","price":68500,"quantity":1}],
#    "total_price":68740,"currency":"USD"}
# environment: HOOKBOX_RESOURCE_ID is the order_id; HOOKBOX_EVENT_ID the
# event's number in `hookbox list`.
#
# As shipped it keeps each order as ../orders/catalog-<event id>.json.
# Put your own handling here (mail it, import it), or point the hook at a
# program of your own. Exit 0 when done, 65 to give up on this order for
# good; anything else is retried later.
exec ./save-order.sh
