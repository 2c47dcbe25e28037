import { equalsOrdinalIgnoreCase, isNullOrWhiteSpace, splitRemoveEmpty, trim } from './dotnet-strings.js';
import { parseV1, parseV2, REGISTERED_COMMANDS } from './runner-commands.js';
import { RunnerSecretMasker } from './runner-masker.js';

// A model of what the GitHub runner does with a step's output: which lines become workflow
// commands, what they do, and what the job log shows. After actions/runner (read at
// 258d6c857): src/Runner.Sdk/ProcessInvoker.cs (lines), src/Runner.Worker/Handlers/
// OutputManager.cs (which lines are offered as commands), src/Runner.Common/ActionCommand.cs
// (parsing), src/Runner.Worker/ActionCommandManager.cs (stop-commands, echo, the commands),
// src/Runner.Worker/ExecutionContext.cs (log writes, masking, annotations).
//
// Modelled: lines end at \n, \r or \r\n (StreamReader.ReadLine); v2 `::name k=v,…::data` after
// .NET TrimStart(), else v1 `##[name k=v;…]data` anywhere; culture-sensitive (ICU) matching
// of "::" and "##[" (see dotnet-strings.ts); case-insensitive names, only registered ones;
// unescaping; stop-commands pausing every command (add-mask included) until `::TOKEN::` or
// `##[TOKEN]`, invalid tokens failing the step; tokens over 6 characters masked; add-mask
// with the runner's value encoders, applied to what is written after it; echo (off unless
// step debug); set-output, save-state, annotations, groups; set-env/add-path disabled.
// Not modelled: problem matchers (add-matcher is recorded, its file not read), the runner's
// own debug chatter, file commands ($GITHUB_OUTPUT…), and the timing between the two
// streams: each is processed in order, but how the runner interleaves them depends on when
// its reader threads see the lines. `order` picks one interleaving; the default, all of
// stderr first, is the worst case for text on stderr: no stop-commands issued on stdout
// covers it.

/** Commands whose line is not echoed even with echo on. */
const OMIT_ECHO = new Set(['add-mask', 'debug', 'warning', 'error', 'notice']);

export interface RunnerCommand {
  /** The command's registered name, lower case (a resume is `name: the token`, `resume: true`). */
  name: string;
  properties: Record<string, string>;
  data: string;
  /** The line as the step wrote it. */
  line: string;
  stream: 'stdout' | 'stderr';
  syntax: 'v2' | 'v1';
  resume?: true;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

export interface RunnerView {
  /** Every line the runner processed as a command, in order. */
  commands: RunnerCommand[];
  /** Values handed to the secret masker (add-mask data and its lines, stop tokens over 6 characters). */
  masks: string[];
  /** The step's log as the job log shows it, after masking; command lines as the runner renders them. */
  visibleLog: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  annotations: Annotation[];
  /** Commands were paused by stop-commands and never resumed. */
  pausedAtEnd: boolean;
  /** Why the runner failed the step because of a command, if it did. */
  failures: string[];
}

export interface RunnerOptions {
  /** Which stream's lines the runner sees first (see above). */
  order?: 'stderr-first' | 'stdout-first';
  /** ACTIONS_STEP_DEBUG: echo on by default, `::debug::` shown. */
  stepDebug?: boolean;
  /** ACTIONS_ALLOW_UNSECURE_COMMANDS: set-env and add-path work. */
  allowUnsecureCommands?: boolean;
  /** ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS. */
  allowUnsecureStopTokens?: boolean;
  /** Values masked before the step (the workflow's secrets). */
  secrets?: string[];
}

/** StreamReader.ReadLine: a line ends at \n, \r or \r\n; no empty last line after a final break. */
export function readLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export function interpretRunnerOutput(stdout: string, stderr = '', options: RunnerOptions = {}): RunnerView {
  const out = readLines(stdout).map((line) => ({ stream: 'stdout' as const, line }));
  const err = readLines(stderr).map((line) => ({ stream: 'stderr' as const, line }));
  return new Runner(options).run(options.order === 'stdout-first' ? [...out, ...err] : [...err, ...out]);
}

/** Both interleavings, for assertions that must hold however the runner happens to read the streams. */
export function interpretBothOrders(stdout: string, stderr: string, options: Omit<RunnerOptions, 'order'> = {}): RunnerView[] {
  return [
    interpretRunnerOutput(stdout, stderr, { ...options, order: 'stderr-first' }),
    interpretRunnerOutput(stdout, stderr, { ...options, order: 'stdout-first' }),
  ];
}

/** Commands whose line matches none of `allowed` (e.g. the action's own `::add-mask::` and bracket). */
export function foreignCommands(view: RunnerView, allowed: RegExp[]): RunnerCommand[] {
  return view.commands.filter((c) => !allowed.some((re) => re.test(c.line)));
}

export function assertNoForeignCommands(view: RunnerView, { allowed }: { allowed: RegExp[] }): void {
  const foreign = foreignCommands(view, allowed);
  if (foreign.length > 0) {
    throw new Error(
      `the runner would process ${foreign.length} unexpected command(s):\n${foreign.map((c) => `  [${c.stream}] ${JSON.stringify(c.line)}`).join('\n')}`,
    );
  }
}

class Runner {
  private readonly registered = new Set<string>(REGISTERED_COMMANDS);
  private readonly masker = new RunnerSecretMasker();
  private readonly log: string[] = [];
  private readonly view: RunnerView;
  private echo: boolean;
  private stopToken: string | undefined;
  private aborted = false;

  constructor(private readonly options: RunnerOptions) {
    this.echo = options.stepDebug ?? false;
    for (const s of options.secrets ?? []) this.masker.addValue(s);
    this.view = { commands: [], masks: [], visibleLog: '', outputs: {}, state: {}, annotations: [], pausedAtEnd: false, failures: [] };
  }

  run(lines: { stream: 'stdout' | 'stderr'; line: string }[]): RunnerView {
    for (const { stream, line } of lines) {
      if (this.aborted) break;
      this.onLine(line, stream);
    }
    this.view.visibleLog = this.log.join('\n');
    this.view.pausedAtEnd = this.stopToken !== undefined;
    return this.view;
  }

  /** OutputManager.OnDataReceived. */
  private onLine(line: string, stream: 'stdout' | 'stderr'): void {
    if (line && this.tryProcessCommand(line, stream)) return;
    this.write(line.replace(/##\[start-action/g, '##[\\start-action').replace(/##\[end-action/g, '##[\\end-action'));
  }

  /** ExecutionContext.Write: masked with the masker as it is at this moment. */
  private write(message: string, tag = ''): void {
    this.log.push(this.masker.mask(`${tag}${message}`));
  }

  private addMask(value: string): void {
    if (this.masker.addValue(value)) this.view.masks.push(value);
  }

  private issue(level: Annotation['level'], message: string, properties: Record<string, string> = {}): void {
    const masked = this.masker.mask(message).slice(0, 4096);
    this.view.annotations.push({ level, message: masked, properties });
    if (masked) this.write(masked, `##[${level}]`);
  }

  /** ActionCommandManager.TryProcessCommand; false: the line is ordinary output. */
  private tryProcessCommand(input: string, stream: 'stdout' | 'stderr'): boolean {
    const parsed = parseV2(input, this.registered) ?? parseV1(input, this.registered);
    if (!parsed) return false;
    const command: RunnerCommand = { ...parsed, line: input, stream };
    if (this.stopToken !== undefined) {
      if (!equalsOrdinalIgnoreCase(parsed.name, this.stopToken)) return false;
      this.write(input);
      this.deleteRegistered(this.stopToken);
      this.stopToken = undefined;
      this.view.commands.push({ ...command, resume: true });
      return true;
    }
    this.view.commands.push(command);
    if (command.name === 'stop-commands') {
      const token = command.data;
      const invalid = this.isRegistered(token) || token === '' || equalsOrdinalIgnoreCase(token, 'pause-logging');
      if (invalid && !this.options.allowUnsecureStopTokens) {
        // Thrown out of TryProcessCommand, not caught: the step fails, its output is no longer read.
        const reason =
          "You cannot use a endToken that is an empty string, the string 'pause-logging', or another workflow command. For more information see: https://docs.github.com/actions/learn-github-actions/workflow-commands-for-github-actions#example-stopping-and-starting-workflow-commands or opt into insecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS` environment variable to `true`.";
        this.view.failures.push(reason);
        this.write(reason, '##[error]');
        this.aborted = true;
        return true;
      }
      this.stopToken = token;
      this.registered.add(token);
      if (token.length > 6) this.addMask(token);
      this.write(input);
      return true;
    }
    if (this.echo && !OMIT_ECHO.has(command.name)) this.write(input);
    try {
      this.execute(command);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.issue('error', `Unable to process command '${OMIT_ECHO.has(command.name) ? command.name : input}' successfully.`);
      this.issue('error', message);
      this.view.failures.push(message);
    }
    return true;
  }

  /** The command extensions' ProcessCommand. */
  private execute(c: RunnerCommand): void {
    const prop = (key: string): string | undefined => Object.entries(c.properties).find(([k]) => equalsOrdinalIgnoreCase(k, key))?.[1];
    const name = (): string => {
      const n = prop('name');
      if (!n) throw new Error(`Required field 'name' is missing in ##[${c.name}] command.`);
      return n;
    };
    switch (c.name) {
      case 'add-mask':
        if (isNullOrWhiteSpace(c.data)) {
          this.issue('warning', "Can't add secret mask for empty string in ##[add-mask] command.");
          return;
        }
        if (this.echo) this.write('::add-mask::***');
        this.addMask(c.data);
        for (const part of splitRemoveEmpty(c.data, '\r\n', Infinity, true)) this.addMask(part);
        return;
      case 'set-output':
        this.view.outputs[name()] = c.data;
        return;
      case 'save-state':
        this.view.state[name()] = c.data;
        return;
      case 'set-env':
      case 'add-path':
        if (!this.options.allowUnsecureCommands) {
          throw new Error(
            `The \`${c.name}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`. For more information see: https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/`,
          );
        }
        return;
      case 'error':
      case 'warning':
      case 'notice':
        this.issue(c.name, c.data, c.properties);
        return;
      case 'debug':
        if (this.options.stepDebug) for (const l of c.data.replace(/\r\n/g, '\n').split('\n')) this.write(l, '##[debug]');
        return;
      case 'group':
        this.write(`##[group]${c.data}`);
        return;
      case 'endgroup':
        this.write('##[endgroup]');
        return;
      case 'echo': {
        if (!c.data) throw new Error("Value cannot be null. (Parameter 'value')");
        const v = trim(c.data).toUpperCase();
        if (v !== 'ON' && v !== 'OFF')
          throw new Error(`Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: '${c.data}'.`);
        this.echo = v === 'ON';
        return;
      }
      default:
        return; // add-matcher / remove-matcher: recorded, their files not read
    }
  }

  private isRegistered(name: string): boolean {
    return [...this.registered].some((r) => equalsOrdinalIgnoreCase(r, name));
  }

  private deleteRegistered(name: string): void {
    for (const r of this.registered) if (equalsOrdinalIgnoreCase(r, name)) this.registered.delete(r);
  }
}
