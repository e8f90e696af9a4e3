import base from '../../eslint.config.mjs';

export default [
  ...base,
  {
    // Checks generators.json: implementations and schemas exist, names are valid.
    files: ['package.json', 'generators.json'],
    rules: { '@nx/nx-plugin-checks': 'error' },
  },
];
