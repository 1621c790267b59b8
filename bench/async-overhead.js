// Why the core passes batches of records: the cost of one async-generator step per record.
const N = 2_000_000;
async function* perRecord() {
  for (let i = 0; i < N; i++) yield { i };
}
async function* pass(src) {
  for await (const x of src) yield x;
}
async function* batched() {
  for (let i = 0; i < N; i += 1000) {
    const b = [];
    for (let j = 0; j < 1000; j++) b.push({ i: i + j });
    yield b;
  }
}
let t = performance.now();
let s = 0; // consumed below so the loops are not optimised away
for await (const x of pass(pass(perRecord()))) s += x.i;
const perRecordNs = ((performance.now() - t) * 1e6) / N;
t = performance.now();
for await (const b of batched()) for (const x of b) s += x.i;
const batchedNs = ((performance.now() - t) * 1e6) / N;
console.log(`three async-generator stages, one record per step: ${perRecordNs.toFixed(0)} ns/record`);
if (s < 0) console.log(s);
console.log(`one async-generator stage, 1000 records per step:   ${batchedNs.toFixed(0)} ns/record`);
