#!/usr/bin/env bash
# The system's main path through a deployed cluster's Ingress, with curl and jq: two people sign up
# (one signs in again), one lists a ticket, the other orders it; the order and the reservation are
# checked where each service shows them, and the client's server-rendered home page lists the
# ticket (so its in-cluster API_BASE_URL works). With PAYMENT_METHOD (a Stripe test payment method,
# e.g. pm_card_visa, and the cluster holding a Stripe test key), the order is paid and completes.
#
#   API=https://ticketing.dev RESOLVE=ticketing.dev:443:127.0.0.1 scripts/smoke-api.sh
#
# API: where the site is (default https://ticketing.dev). RESOLVE: curl's --resolve, to reach the
# Ingress without /etc/hosts. The dev overlay has no certificate: ingress-nginx's own self-signed
# one answers, so certificates are not verified unless VERIFY_TLS=1.
set -euo pipefail

API=${API:-https://ticketing.dev}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

curl_args=(--silent --show-error --max-time 20)
[[ -n ${RESOLVE:-} ]] && curl_args+=(--resolve "$RESOLVE")
[[ ${VERIFY_TLS:-0} == 1 ]] || curl_args+=(--insecure)

fail() {
  echo "smoke-api: $*" >&2
  exit 1
}

# call EXPECTED_STATUS METHOD PATH [COOKIE_JAR] [JSON_BODY]: prints the body; fails on another status.
call() {
  local expected=$1 method=$2 path=$3 jar=${4:-} body=${5:-}
  local args=("${curl_args[@]}" -X "$method" -o "$work/body" -w '%{http_code}')
  [[ -n $jar ]] && args+=(-b "$work/$jar" -c "$work/$jar")
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data "$body")
  local status
  status=$(curl "${args[@]}" "$API$path")
  [[ $status == "$expected" ]] || fail "$method $path: expected $expected, got $status: $(cat "$work/body")"
  cat "$work/body"
}

# eventually DESCRIPTION COMMAND...: events cross services within milliseconds, but allow 30 s.
eventually() {
  local description=$1
  shift
  for _ in $(seq 60); do
    # In a subshell: a failed call's exit ends the attempt, not the script.
    if ("$@") >/dev/null 2>"$work/last-attempt"; then return 0; fi
    sleep 0.5
  done
  fail "timed out waiting for $description; the last attempt: $(cat "$work/last-attempt")"
}

run_id=$(date +%s)-$RANDOM
seller="seller-$run_id@example.com"
buyer="buyer-$run_id@example.com"
title="Smoke test concert $run_id"

call 201 POST /api/users/signup seller.jar "{\"email\":\"$seller\",\"password\":\"seller-password\"}" >/dev/null
call 201 POST /api/users/signup buyer.jar "{\"email\":\"$buyer\",\"password\":\"buyer-password\"}" >/dev/null
rm "$work/buyer.jar"
call 200 POST /api/users/signin buyer.jar "{\"email\":\"$buyer\",\"password\":\"buyer-password\"}" >/dev/null
call 200 GET /api/users/currentuser buyer.jar | jq -e --arg email "$buyer" '.currentUser.email == $email' >/dev/null ||
  fail 'the signed-in buyer is not the current user'
echo 'smoke-api: signed up a seller and a buyer, signed the buyer in'

ticket=$(call 201 POST /api/tickets seller.jar "{\"title\":\"$title\",\"price\":20}" | jq -er .id)
call 200 GET "/api/tickets/$ticket" | jq -e --arg title "$title" '.title == $title and .status == "available"' >/dev/null ||
  fail "ticket $ticket is not the one listed"
call 200 GET /api/tickets | jq -e --arg id "$ticket" 'any(.[]; .id == $id)' >/dev/null || fail 'the ticket is not for sale'
home_has_ticket() { curl "${curl_args[@]}" --fail "$API/" | grep -qF "$title"; }
eventually "the client's home page to list the ticket" home_has_ticket
echo "smoke-api: listed ticket $ticket; the client's home page shows it"

# Orders learns of the ticket through the event stream: until then ordering it is a 404.
order_ticket() { call 201 POST /api/orders buyer.jar "{\"ticketId\":\"$ticket\"}" >"$work/order"; }
eventually 'orders to learn of the ticket and take the order' order_ticket
order=$(jq -er .id "$work/order")
call 200 GET "/api/orders/$order" buyer.jar |
  jq -e --arg ticket "$ticket" '.status == "created" and .ticket.id == $ticket and .expiresAt != null' >/dev/null ||
  fail "order $order is not the buyer's open order of the ticket"
call 200 GET /api/orders buyer.jar | jq -e --arg id "$order" 'any(.[]; .id == $id)' >/dev/null ||
  fail "the buyer's orders do not list order $order"
ticket_reserved() { call 200 GET "/api/tickets/$ticket" | jq -e '.status == "reserved"'; }
eventually 'tickets to reserve the ticket' ticket_reserved
call 400 POST /api/orders seller.jar "{\"ticketId\":\"$ticket\"}" >/dev/null
echo "smoke-api: ordered it (order $order); the ticket is reserved and cannot be ordered again"

if [[ -n ${PAYMENT_METHOD:-} ]]; then
  pay() { call 201 POST /api/payments buyer.jar "{\"orderId\":\"$order\",\"paymentMethod\":\"$PAYMENT_METHOD\"}"; }
  eventually 'payments to learn of the order and take the payment' pay
  order_complete() { call 200 GET "/api/orders/$order" buyer.jar | jq -e '.status == "complete"'; }
  eventually 'the order to complete' order_complete
  ticket_sold() { call 200 GET "/api/tickets/$ticket" | jq -e '.status == "sold"'; }
  eventually 'the ticket to be sold' ticket_sold
  echo "smoke-api: paid with $PAYMENT_METHOD; the order is complete and the ticket sold"
fi
echo 'smoke-api: ok'
