#!/usr/bin/env php
<?php
// Example hook in PHP, doing what save-order.sh does: keeps each event as a
// file in ../orders/ (beside this folder) and prints one line, which
// `hookbox show ID` displays.
//
// hookbox runs it with the event on stdin (the body as received; for a
// Quickbutik GET, the query as a JSON object), in this script's folder,
// with HOOKBOX_* variables describing the event. Exit 0 when done; exit 65
// to give up on this event for good; any other exit is retried later.
//
// To use it, point a hook at it in hookbox.conf, e.g.
//   "order": { "run": ["../hooks/save-order.php"] }
// and keep it executable (chmod 700). If `php` is not in /usr/local/bin,
// /usr/bin or /bin (the PATH hooks get), run it as ["/path/to/php", "../hooks/save-order.php"].

$body = file_get_contents('php://stdin');
if ($body === false) {
    fwrite(STDERR, "cannot read the event from stdin\n");
    exit(1);                                    // retried later
}
$event = json_decode($body, true);
if (!is_array($event)) {
    echo "not JSON: nothing to save\n";
    exit(65);                                   // retrying will not help
}

$endpoint = getenv('HOOKBOX_ENDPOINT');
$id = getenv('HOOKBOX_EVENT_ID');
$dir = __DIR__ . '/../orders';
if (!is_dir($dir) && !mkdir($dir, 0700, true) && !is_dir($dir)) {
    fwrite(STDERR, "cannot create $dir\n");
    exit(1);
}
$file = "$dir/$endpoint-$id.json";
// Write to a temporary name first, so a half-written file never looks done.
if (file_put_contents("$file.tmp", $body) !== strlen($body) ||
    !rename("$file.tmp", $file)) {
    fwrite(STDERR, "cannot write $file\n");
    exit(1);
}

// The fields differ per platform; a few of the common ones.
$items = $event['items']                               // Flipsnack
    ?? $event['Order']['OrderItems']                     // Flipdish legacy
    ?? $event['detail']['properties']['sale']['items']   // Flipdish v3
    ?? $event['data']['object']['line_items']            // Reflow
    ?? [];
printf("saved %s %s (%d items) to %s\n", getenv('HOOKBOX_EVENT_TYPE'),
    getenv('HOOKBOX_RESOURCE_ID'), is_array($items) ? count($items) : 0, $file);
