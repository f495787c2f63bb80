#!/bin/sh
# Hook for Flipdish orders (install.sh's endpoint "restaurant", event types
# "order.*" and "sale.*"). hookbox runs it in this folder once per event,
# after Flipdish has had its answer, and retries it until it exits 0.
#
# stdin: the event exactly as Flipdish sent it, JSON. Two generations:
#   legacy webhooks: {"EventName":"order.created","FlipdishEventId":"…",
#     "Order":{"OrderId":1234,"OrderItems":[…],"Amount":…,"Customer":{…}}}
#   webhooks v3: {"detail-type":"sale.created.v1","detail":{"properties":
#     {"saleId":"3N356","sale":{"items":[…],"totalSaleAmount":…}}}}
# environment: HOOKBOX_EVENT_TYPE (order.created, sale.created.v1, …) and
# HOOKBOX_RESOURCE_ID (the order or sale id).
#
# As shipped it keeps each event as ../orders/restaurant-<event id>.json.
# Put your own handling here, or point the hook at a program of your own.
# Exit 0 when done, 65 to give up on this event for good; anything else is
# retried later.
exec ./save-order.sh
