#!/bin/sh
# Hook for Shopify orders (the endpoint "shopify", commented out in the
# hookbox.conf that install.sh writes until you paste Shopify's signing
# key; event types "orders/create" and "orders/paid"). hookbox runs it in
# this folder once per event, after Shopify has had its answer, and retries
# it until it exits 0.
#
# stdin: the order exactly as Shopify sent it, JSON, e.g.
#   {"id":820982911946154508,"name":"#9999","email":"jon@example.com",
#    "financial_status":"paid","currency":"USD","total_price":"403.00",
#    "customer":{"id":115310627314723954,"first_name":"John",…},
#    "line_items":[{"id":866550311766439020,"name":"IPod Nano - 8GB","quantity":1,"price":"199.00",…}],…}
# environment: HOOKBOX_EVENT_TYPE is the topic (orders/create, orders/paid,
# …: Shopify's X-Shopify-Topic); HOOKBOX_RESOURCE_ID is the order's id.
# A Shopify topic has a "/", so a hook names it exactly ("orders/create"),
# or is "*": "orders/*" is not a pattern hookbox knows.
# Webhooks: https://shopify.dev/docs/apps/build/webhooks/delivery-structure
#
# As shipped it keeps each event as ../orders/shopify-<event id>.json.
# Put your own handling here, or point the hook at a program of your own.
# Exit 0 when done, 65 to give up on this event for good; anything else is
# retried later.
exec ./save-order.sh
