import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[object.name="process"][property.name="env"]',
          message: 'read configuration through src/config (AppConfig), not process.env',
        },
      ],
    },
  },
  {
    files: [
      'src/main.ts',
      'src/config/**',
      'src/cli/**',
      'test/**',
      'bench/**',
      'ormconfig.ts',
      '*.js',
      'scripts/**',
      '.ci/**',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
