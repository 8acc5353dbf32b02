// Checks a goalplan JSON Lines log with nothing of goalplan: only docs/architecture.md's recipe,
// Node's crypto and the npm `canonicalize` package (RFC 8785). Prints a JSON summary; exits 1
// on the first line that does not verify.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const canonicalize = require('canonicalize');

const HEADER = ['actor', 'event_id', 'plan_id', 'prev_hash', 'recorded_at', 'schema_version', 'type', 'version'];
const heads = new Map();
let checked = 0;
let linked = 0;

for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const event = JSON.parse(line);
  const [version, prev] = heads.get(event.plan_id) || [0, '0'.repeat(64)];
  const fail = (why) => { console.error(`${event.event_id}: ${why}`); process.exit(1); };
  if (event.version !== version + 1) fail('version out of sequence');
  if (event.prev_hash !== prev) fail('not linked to the event before it');
  heads.set(event.plan_id, [event.version, event.hash]);
  linked += 1;
  if (event.hash_scheme !== 2) continue; // scheme 1 (goalplan 0.1.0) spells floats the Python way
  const header = {};
  for (const key of HEADER) header[key] = event[key];
  const digest = crypto.createHash('sha256')
    .update(canonicalize(header) + '\n' + canonicalize(event.payload), 'utf8')
    .digest('hex');
  if (digest !== event.hash) fail('content does not match its hash');
  checked += 1;
}
console.log(JSON.stringify({ plans: heads.size, linked, hashes_checked: checked }));
