// Every workspace with its own jest.config.js is a project of the one `npm test` run.
const fs = require('fs');
const path = require('path');
const { workspaces } = require('./package.json');

module.exports = {
  // Plus `test/`: repository-level checks (CI workflows, entry scripts) that belong to no workspace,
  // and `bench/`: the benchmark harness's own tests.
  projects: [...workspaces, 'test', 'bench']
    .map((dir) => path.join(__dirname, dir))
    .filter((dir) => fs.existsSync(path.join(dir, 'jest.config.js'))),
  // Global options: jest ignores these inside projects.
  testTimeout: 30000,
};
