// Runs a CloudFront Function's code under Node for pipeline_dev.local.cdn: one JSON event per stdin line,
// one JSON line back ({"result": ...} or {"error": "..."}). The code runs in a fresh V8 context holding
// nothing but the language's built-ins: no require, no process, no console, as in cloudfront-js-2.0.
'use strict';
const fs = require('fs');
const readline = require('readline');
const vm = require('vm');

const code = fs.readFileSync(process.argv[2], 'utf8');
const context = vm.createContext({});
let handler;
try {
  vm.runInContext(code + '\n;globalThis.__handler = handler;', context, { filename: 'function.js', timeout: 1000 });
  handler = context.__handler;
} catch (e) {
  process.stdout.write(JSON.stringify({ error: 'the code does not load: ' + e }) + '\n');
  process.exit(3);
}
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let answer;
  try {
    context.__event = JSON.parse(line);
    // Through the context, so the result's objects are plain JSON whatever realm built them.
    const result = vm.runInContext('JSON.stringify(__handler(__event))', context, { timeout: 1000 });
    answer = '{"result":' + result + '}';
  } catch (e) {
    answer = JSON.stringify({ error: String(e) });
  }
  process.stdout.write(answer + '\n');
});
