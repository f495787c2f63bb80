#!/bin/sh
# Hook for Quickbutik orders (install.sh's endpoint "shop", event types
# "order.*": order.new, order.done, order.cancelled). hookbox runs it in
# this folder once per event, after Quickbutik has had its answer, and
# retries it until it exits 0.
#
# stdin: Quickbutik sends no order, only a signal in the URL's query; the
# hook gets it as a JSON object:
#   {"event_type":"order.new","order_id":"12345"}
# environment: HOOKBOX_EVENT_TYPE and HOOKBOX_RESOURCE_ID (the order_id).
#
# To get the order itself, fetch it from Quickbutik's API with your API key
# (see https://quickbutik.dev/api-v1/guides/order-sync-tutorial). As
# shipped this hook only keeps the signal as ../orders/shop-<event id>.json.
# Exit 0 when done, 65 to give up on this event for good; anything else
# (say, the API is down) is retried later.
exec ./save-order.sh
