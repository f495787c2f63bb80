#!/bin/sh
# Hook for Reflow orders (the endpoint "store", commented out in the
# hookbox.conf that install.sh writes until you paste Reflow's signing
# secret; event types "order.*": order.created, order.updated). hookbox
# runs it in this folder once per event, after Reflow has had its answer,
# and retries it until it exits 0.
#
# stdin: the event exactly as Reflow sent it, JSON:
#   {"id":"evt_…","type":"order.created","created":1724412181,
#    "data":{"object":{"id":"12345678","object":"order","line_items":[…],…}}}
# environment: HOOKBOX_RESOURCE_ID is data.object.id (the order id).
#
# As shipped it keeps each event as ../orders/store-<event id>.json.
# Put your own handling here, or point the hook at a program of your own.
# Exit 0 when done, 65 to give up on this event for good; anything else is
# retried later.
exec ./save-order.sh
