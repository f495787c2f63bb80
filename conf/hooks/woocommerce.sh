#!/bin/sh
# Hook for WooCommerce orders (the endpoint "woocommerce", commented out in
# the hookbox.conf that install.sh writes until you paste the webhook's
# secret; event types "order.*": order.created, order.updated,
# order.deleted, order.restored). hookbox runs it in this folder once per
# event, after WooCommerce has had its answer, and retries it until it
# exits 0.
#
# stdin: the order exactly as WooCommerce sent it, JSON (WooCommerce writes
# "/" as "\/"), e.g.
#   {"id":727,"status":"processing","currency":"USD","total":"29.35",
#    "billing":{"first_name":"John","last_name":"Doe","email":"john.doe@example.com",…},
#    "line_items":[{"name":"Woo Single #1","product_id":93,"quantity":2,"total":"6.00",…}],
#    "date_paid":"2026-12-07T05:00:00",…}
# For order.deleted the body is only {"id":727}.
# environment: HOOKBOX_EVENT_TYPE is the webhook's topic (order.created, …);
# HOOKBOX_RESOURCE_ID is the order's id ("id").
# The ping WooCommerce sends when you save the webhook (webhook_id=N) is
# answered by hookbox and never reaches a hook.
# Webhooks: https://developer.woocommerce.com/docs/apis/rest-api/v3/webhooks/
#
# As shipped it keeps each event as ../orders/woocommerce-<event id>.json.
# Put your own handling here, or point the hook at a program of your own.
# Exit 0 when done, 65 to give up on this event for good; anything else is
# retried later. (WooCommerce itself never sends an order twice: hookbox
# keeps it and retries this hook instead.)
exec ./save-order.sh
