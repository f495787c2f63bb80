#!/bin/sh
# Hook for FlipLink events (install.sh's endpoint "leads", every event
# type: "*"). hookbox runs it in this folder once per event, after FlipLink
# has had its answer, and retries it until it exits 0.
#
# stdin: the event exactly as FlipLink sent it, JSON. FlipLink publishes no
# payload documentation: the type (HOOKBOX_EVENT_TYPE) is read from
# "event", "type" or "event_type", e.g. lead.captured, document.viewed or
# sale.completed. Look at what really arrives with `hookbox show ID` before
# relying on a field.
#
# As shipped it keeps each event as ../orders/leads-<event id>.json.
# Put your own handling here, or point the hook at a program of your own.
# Exit 0 when done, 65 to give up on this event for good; anything else is
# retried later.
exec ./save-order.sh
