// What can be checked of the Docker image without a Docker engine (none runs in CI):
// - both health checks probe readiness (GET /api/v1/health/ready);
// - no stage copies the whole context, benchmarks, tests, docs or CI files;
// - the build stage compiles with exactly the files it copies (TypeScript, run here);
// - the runtime stage's files (what it copies from the build stage) hold no benchmark, test or
//   TypeScript source, and start: with the image's ENV and no DATABASE_URL the service refuses
//   with one line naming DATABASE_URL.
// The Dockerfile is read, not restated: its COPY and ENV instructions drive the simulation.
// node_modules is linked from this checkout (the image prunes dev dependencies; npm does that).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
const problems = [];
const check = (ok, problem) => {
  if (!ok) problems.push(problem);
};

/** The Dockerfile's instructions, line continuations joined, grouped by stage. */
function parseDockerfile(text) {
  const stages = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (instruction.toUpperCase() === 'FROM') {
      stages.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1], instructions: [] });
    } else {
      stages.at(-1).instructions.push({ instruction: instruction.toUpperCase(), args });
    }
  }
  return stages;
}

/** A COPY instruction: its --from stage (if any), sources and destination. */
function parseCopy(args) {
  const words = args.split(/\s+/);
  const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((word) => !word.startsWith('--'));
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1) };
}

const dockerfile = readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
const compose = readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8');
const stages = parseDockerfile(dockerfile);
const [build, runtime] = [stages.find((stage) => stage.name === 'build'), stages.at(-1)];
check(build && runtime !== build, 'the Dockerfile needs a `build` stage and a runtime stage');

const healthcheck = runtime.instructions.find((i) => i.instruction === 'HEALTHCHECK');
check(
  /\/api\/v1\/health\/ready\b/.test(healthcheck?.args ?? ''),
  'HEALTHCHECK must probe /api/v1/health/ready',
);
check(
  /\/api\/v1\/health\/ready\b/.test(compose),
  'the compose healthcheck must probe /api/v1/health/ready',
);

const DEV_ONLY = /(^|\/)(bench|test|docs|\.ci|coverage|\.data)(\/|$)|\.md$|^\.\/?$|^\.\.?\/?\*?$/;
const copies = (stage) =>
  stage.instructions.filter((i) => i.instruction === 'COPY').map((i) => parseCopy(i.args));
for (const stage of stages) {
  for (const { sources } of copies(stage)) {
    for (const source of sources) {
      check(
        !DEV_ONLY.test(source.replace(/^\/app\/?/, '')),
        `COPY of dev-only or whole-context ${source}`,
      );
    }
  }
}

const work = mkdtempSync(path.join(tmpdir(), 'tally-docker-'));
try {
  // The build stage: its context files, this checkout's node_modules, its compiler.
  const buildDir = path.join(work, 'build');
  for (const { from, sources, dest } of copies(build)) {
    check(from === undefined, `the build stage copies from ${from}`);
    for (const source of sources) {
      const target = dest.endsWith('/')
        ? path.join(buildDir, dest, path.basename(source))
        : path.join(buildDir, dest);
      cpSync(path.join(repo, source), target, { recursive: true });
    }
  }
  symlinkSync(path.join(repo, 'node_modules'), path.join(buildDir, 'node_modules'));
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: buildDir, stdio: 'inherit' });

  // The runtime stage: what it copies out of the build stage.
  const runDir = path.join(work, 'run');
  for (const { from, sources, dest } of copies(runtime)) {
    check(from === build.name, `the runtime stage copies ${sources} from the build context`);
    for (const source of sources) {
      const relative = path.relative('/app', source);
      const target = dest.endsWith('/')
        ? path.join(runDir, dest, path.basename(relative))
        : path.join(runDir, dest);
      if (relative === 'node_modules') symlinkSync(path.join(buildDir, 'node_modules'), target);
      else cpSync(path.join(buildDir, relative), target, { recursive: true });
    }
  }
  const files = readdirSync(runDir, { recursive: true }).map(String);
  const sourcesOrDevFiles = files.filter(
    (file) =>
      !file.startsWith('node_modules') &&
      (DEV_ONLY.test(file) || /\.spec\.|(?<!\.d)\.ts$/.test(file)),
  );
  check(
    sourcesOrDevFiles.length === 0,
    `the runtime image would hold ${sourcesOrDevFiles.join(', ')}`,
  );

  const cmd = runtime.instructions.find((i) => i.instruction === 'CMD');
  const main = JSON.parse(cmd?.args ?? '[]').at(-1);
  check(
    main && existsSync(path.join(runDir, main)),
    `CMD runs ${main}, which the runtime stage lacks`,
  );
  const imageEnv = Object.fromEntries(
    runtime.instructions
      .filter((i) => i.instruction === 'ENV')
      .flatMap((i) => i.args.split(/\s+/).map((pair) => pair.split('='))),
  );
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const started = spawnSync(process.execPath, [main], {
    cwd: runDir,
    env: {
      ...env,
      ...imageEnv,
      MANAGEMENT_API_KEY: 'docker-check-management',
      INGEST_API_KEY: 'docker-check-ingest',
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const output = `${started.stdout}${started.stderr}`.trim();
  check(
    started.status === 1 &&
      /^Invalid configuration: DATABASE_URL must be set\b[^\n]*$/.test(output),
    `without DATABASE_URL the image must refuse in one line naming it; got (${started.status}):\n${output}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`Docker image check failed:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(
  'Docker image check: readiness health checks, no dev-only files, builds, refuses without DATABASE_URL',
);
