// Preloaded by the npm scripts (node --import) before any TypeScript file: on an older Node the
// first .ts import fails with ERR_UNKNOWN_FILE_EXTENSION, which names neither the cause nor the cure.
// Plain JavaScript on purpose, so that it runs on the old Node it is there to refuse.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `quorum: needs Node.js 22.18 or newer to run its TypeScript, but this is ${process.version}. ` +
      'Run it through npm (npm install, then npm start / npm test use the Node 24 that npm install brings), ' +
      'or install Node.js 22.18+.\n',
  );
  process.exit(1);
}
