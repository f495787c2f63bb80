<?php
// receiver.php: what a careful shop owner would otherwise drop on the host
// instead of hookbox, the bench's PHP contender (tests/bench/bench.sh). It
// takes a Flipsnack order, keeps it once in an SQLite file, durably, and
// answers JSON; no hooks, no inbox, one provider.
//
// Run by php-cgi as the host runs PHP: Apache mod_fcgid (FcgidWrapper) or
// lighttpd mod_fastcgi. Its settings come from the server's environment,
// as a host lets one set them (SetEnv in .htaccess, or the FastCGI
// server's environment):
//   RECEIVER_DB     the SQLite file, outside the web root
//   RECEIVER_TOKEN  the secret the sender puts in ?token=

const BODY_MAX = 65536;

function answer(int $code, array $what): void
{
    http_response_code($code);
    header('Content-Type: application/json');
    header('Cache-Control: no-store');
    echo json_encode($what), "\n";
}

function setting(string $name): string
{
    // SetEnv reaches a FastCGI script as a request variable; the FastCGI
    // server's environment, as a process variable.
    $v = $_SERVER[$name] ?? getenv($name);
    return is_string($v) ? $v : '';
}

$token = setting('RECEIVER_TOKEN');
if ($token === '' || !hash_equals($token, (string)($_GET['token'] ?? ''))) {
    answer(401, ['status' => 'rejected', 'error' => 'wrong token']);
    return;
}
if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST') {
    header('Allow: POST');
    answer(405, ['status' => 'rejected', 'error' => 'POST only']);
    return;
}
if ((int)($_SERVER['CONTENT_LENGTH'] ?? 0) > BODY_MAX) {
    answer(413, ['status' => 'rejected', 'error' => 'body too large']);
    return;
}
$body = file_get_contents('php://input', false, null, 0, BODY_MAX + 1);
if ($body === false || strlen($body) > BODY_MAX) {
    answer(413, ['status' => 'rejected', 'error' => 'body too large']);
    return;
}
$order = json_decode($body, true, 32);
if (!is_array($order) || !isset($order['order_id']) ||
    !is_scalar($order['order_id']) || (string)$order['order_id'] === '') {
    answer(400, ['status' => 'rejected', 'error' => 'no order_id']);
    return;
}

try {
    $db = new PDO('sqlite:' . setting('RECEIVER_DB'), null, null, [
        PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
        PDO::ATTR_TIMEOUT => 10,	// seconds of waiting for the write lock
    ]);
    // WAL lets readers on while one writes; FULL syncs the log at each
    // commit, so an order answered 200 survives a power cut.
    $db->exec('PRAGMA journal_mode=WAL');
    $db->exec('PRAGMA synchronous=FULL');
    $db->exec('CREATE TABLE IF NOT EXISTS orders (
        id INTEGER PRIMARY KEY,
        order_id TEXT NOT NULL UNIQUE,
        received_at INTEGER NOT NULL,
        body TEXT NOT NULL)');
    // The platform retries: a second delivery of an order is ignored.
    $ins = $db->prepare('INSERT OR IGNORE INTO orders (order_id, received_at, body)
        VALUES (?, ?, ?)');
    $ins->execute([(string)$order['order_id'], time(), $body]);
    if ($ins->rowCount() === 1) {
        answer(200, ['status' => 'accepted', 'id' => (int)$db->lastInsertId()]);
    } else {
        $q = $db->prepare('SELECT id FROM orders WHERE order_id = ?');
        $q->execute([(string)$order['order_id']]);
        answer(200, ['status' => 'duplicate', 'id' => (int)$q->fetchColumn()]);
    }
} catch (PDOException $e) {
    error_log('receiver.php: ' . $e->getMessage());
    header('Retry-After: 5');
    answer(503, ['status' => 'error', 'error' => 'store unavailable, try again']);
}
