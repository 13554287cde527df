// Every workspace with its own jest.config.js is a project of the one `npm test` run.
const fs = require('fs');
const path = require('path');
const { workspaces } = require('./package.json');

module.exports = {
  projects: workspaces
    .map((workspace) => path.join(__dirname, workspace))
    .filter((dir) => fs.existsSync(path.join(dir, 'jest.config.js'))),
  // Global options: jest ignores these inside projects.
  testTimeout: 30000,
};
