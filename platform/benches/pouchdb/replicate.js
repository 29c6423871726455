// Replicates the documents in DOCS (JSON lines) from one PouchDB (device A) to pouchdb-server and from
// there to another PouchDB (device B), like Fieldcheck's push-then-pull benchmark, and prints the time.
"use strict";
const fs = require("fs");
const path = require("path");
const PouchDB = require("pouchdb");

async function main() {
  const [docsFile, serverUrl, workDir] = process.argv.slice(2);
  const docs = fs.readFileSync(docsFile, "utf8").split("\n").filter(Boolean).map((line, i) => {
    const doc = JSON.parse(line);
    return { _id: doc.inspection.id, ...doc };
  });
  const a = new PouchDB(path.join(workDir, "device-a"));
  const b = new PouchDB(path.join(workDir, "device-b"));
  const remote = new PouchDB(`${serverUrl}/fieldcheck`);
  // Device A has the documents locally (written offline), as Fieldcheck's outbox has its mutations.
  for (let i = 0; i < docs.length; i += 500) await a.bulkDocs(docs.slice(i, i + 500));
  const t0 = process.hrtime.bigint();
  await a.replicate.to(remote, { batch_size: 500 });
  const t1 = process.hrtime.bigint();
  await b.replicate.from(remote, { batch_size: 500 });
  const t2 = process.hrtime.bigint();
  const info = await b.info();
  if (info.doc_count !== docs.length) throw new Error(`device B has ${info.doc_count} of ${docs.length} documents`);
  const push = Number(t1 - t0) / 1e9, pull = Number(t2 - t1) / 1e9;
  console.log(JSON.stringify({ docs: docs.length, push_s: push, pull_s: pull, total_s: push + pull }));
}
main().catch((e) => { console.error(e); process.exit(1); });
