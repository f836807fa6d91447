// Loaded by path: the SDK require()s it on the main thread (activity failures) and webpack bundles
// it into the workflow isolate. CommonJS so both work under tsx, vitest and plain node alike.
// encodeCommonAttributes moves failure messages and stack traces into a payload, which the
// encryption codec then seals: an error quoting customer data stays out of plaintext history.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
