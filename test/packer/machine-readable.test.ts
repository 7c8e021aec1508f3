/**
 * Parser, artifact assembly, phases and failure mapping on verbatim Packer 1.6.6 output
 * captured in docs/packer.md (copied to test/fixtures/packer/*.txt).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { ArtifactCollector, findCompressedImage } from '../../lib/packer/artifacts.js';
import { parseMachineReadableLine, type PackerEvent } from '../../lib/packer/machine-readable.js';
import { parsePackerVersionOutput } from '../../lib/packer/packer-version.js';
import { phaseForUiText } from '../../lib/packer/phases.js';
import { failureFromOutcome, type RunOutcome } from '../../lib/packer/packer-failure.js';
import { sample } from '../fixtures/packer/paths.js';

function parseSample(name: string): { events: PackerEvent[]; unparsed: string[] } {
  const events: PackerEvent[] = [];
  const unparsed: string[] = [];
  for (const line of readFileSync(sample(name), 'utf8').split('\n')) {
    const ev = parseMachineReadableLine(line);
    if (ev) events.push(ev);
    else if (line.trim()) unparsed.push(line);
  }
  return { events, unparsed };
}

function outcomeOf(events: PackerEvent[], exitCode: number): RunOutcome {
  const o: RunOutcome = { exitCode, signal: undefined, errorCount: 0, buildErrors: [], uiErrors: [], stderrTail: [], buildStarted: false };
  for (const e of events) {
    if ((e.type === 'ui' || e.type === 'build-finished') && e.level === 'error') o.uiErrors.push(e.text);
    if ((e.type === 'ui' && /^==> [^:]+: /.test(e.text)) || e.type === 'build-finished') o.buildStarted = true;
    if (e.type === 'error-count') o.errorCount = e.count;
    if (e.type === 'error') o.buildErrors.push(e.message);
  }
  return o;
}

t.test('docs/packer.md version', async (t) => {
  const { events } = parseSample('version.txt');
  t.same(
    events.map((e) => e.type === 'version' && [e.key, e.value]),
    [['version', '1.6.6'], ['prerelease', ''], ['commit', ''], false],
  );
  t.match(events[3], { type: 'ui', level: 'say', text: 'Packer v1.6.6', timestamp: 1795631144, target: '' });
  t.equal(parsePackerVersionOutput(readFileSync(sample('version.txt'), 'utf8')), '1.6.6');
  t.equal(parsePackerVersionOutput('Packer v1.11.2\n\nYour version of Packer is out of date!'), '1.11.2', 'plain output fallback');
});

t.test('docs/packer.md file + null builds: unescaping, ui levels, two artifact blocks per build', async (t) => {
  const { events, unparsed } = parseSample('file-null-build.txt');
  t.same(unparsed, ['...'], 'only the elision line of the sample is not machine-readable');
  t.match(events[1], { type: 'ui', level: 'message', text: '    n1: provisioning hello, with a comma' });
  t.match(events[2], { type: 'ui', level: 'error', text: '==> n1: to-stderr' });
  const finished = events.find((e) => e.type === 'build-finished');
  t.match(finished, { type: 'build-finished', build: 'n1', ok: true, duration: '23 milliseconds 253 microseconds', level: 'say' });
  t.match(events.find((e) => e.type === 'ui' && e.text.startsWith('\n==> Wait completed')), { text: '\n==> Wait completed after 25 milliseconds 139 microseconds' }, '\\n unescaped');

  const c = new ArtifactCollector();
  events.forEach((e) => c.add(e));
  t.same(
    c.artifacts.map((a) => [a.build, a.index, a.builderId, a.id, a.files]),
    [
      ['n1', 0, 'fnoeding.null', 'Null', []],
      ['f1', 0, 'packer.file', 'File', ['out/artifact.txt']],
    ],
  );
  t.equal(c.artifacts[1]?.string, 'Stored file: out/artifact.txt');
  t.equal(findCompressedImage(c.artifacts), undefined, 'no .dd.gz here');
});

t.test('docs/packer.md independent post-processors: compress ran, but error-count and no artifact', async (t) => {
  const { events } = parseSample('independent-pp-failure.txt');
  t.ok(events.some((e) => e.type === 'ui' && e.text.includes('Archive vmware-esxi.dd.gz completed')), 'compress wrote the file');
  t.match(events.find((e) => e.type === 'error-count'), { count: 1, target: '' });
  const buildErr = events.find((e) => e.type === 'error');
  t.match(buildErr, { target: 'file.img', message: '1 error(s) occurred:\n\n* Post-processor failed: Script exited with non-zero exit status: 1.Allowed exit codes are: [0]' });
  const done = events.find((e) => e.type === 'build-finished');
  t.match(done, { build: 'file.img', ok: false, level: 'error', duration: '16 milliseconds 168 microseconds' });
  t.match(done && done.type === 'build-finished' && done.error, /^1 error\(s\) occurred:/);
  const c = new ArtifactCollector();
  events.forEach((e) => c.add(e));
  t.same(c.artifacts, [], 'no artifact block although the .dd.gz exists on disk');

  const err = failureFromOutcome(outcomeOf(events, 1));
  t.equal(err.code, 'BUILD_FAILED');
  t.match(err.message, /^Packer build failed: Post-processor failed: Script exited with non-zero exit status: 1/);
  t.match(err.hint, /post-processor failed/i);
  t.same(err.packerErrors, [buildErr && buildErr.type === 'error' ? buildErr.message : '']);
});

t.test('docs/packer.md errors before the build: each maps to a message and a hint', async (t) => {
  const blocks = readFileSync(sample('prepare-errors.txt'), 'utf8').split('\n\n');
  t.equal(blocks.length, 5);
  const failures = blocks.map((b) => failureFromOutcome(outcomeOf(b.split('\n').map(parseMachineReadableLine).filter((e): e is PackerEvent => e !== null), 1)));
  t.match(failures[0], { code: 'BUILD_FAILED', message: /error downloading ISO/, hint: /--iso/ });
  t.match(failures[1], { message: /Failed creating Qemu driver: exec: "qemu-system-x86_64": executable file not found/, hint: /apt-get install .*qemu-system-x86/ });
  t.match(failures[2], { message: /Output directory 'output-esxi' already exists/ });
  t.match(failures[3], { code: 'TEMPLATE_INVALID', message: /Undefined -var variable/, hint: /declares/ });
  t.match(failures[4], { code: 'TEMPLATE_INVALID', message: /Unsupported Packer Core version/, hint: /newer Packer/ });
  const undefinedVar = parseMachineReadableLine(blocks[3]!.trim());
  t.match(undefinedVar, { type: 'ui', level: 'error', text: /To declare variable "nosuch", place this block in one of your .pkr\nfiles, such as variables.pkr.hcl/ });
});

t.test('docs/packer.md shutdown timeout: phases in order, failure hint', async (t) => {
  const { events } = parseSample('qemu-shutdown-timeout.txt');
  const phases: string[] = [];
  for (const e of events) {
    const p = e.type === 'ui' || e.type === 'build-finished' ? phaseForUiText(e.text) : undefined;
    if (p && phases[phases.length - 1] !== p) phases.push(p);
  }
  t.same(phases, ['iso', 'vm-start', 'boot-command', 'install', 'finish']);
  const msg = events.find((e) => e.type === 'ui' && e.text.includes('view the screen'));
  t.match(msg, { level: 'message', text: 'The VM will be run headless, without a GUI. If you want to\n    qemu.esxi: view the screen of the VM, connect via VNC' });
  const err = failureFromOutcome(outcomeOf(events, 1));
  t.match(err.message, /Failed to shutdown/);
  t.match(err.hint, /did not power the VM off in time/);
});

t.test('docs/packer.md chained post-processors: the compress artifact is the image', async (t) => {
  const { events } = parseSample('qemu-chained-success.txt');
  t.notOk(events.some((e) => e.type === 'error-count'));
  const c = new ArtifactCollector();
  events.forEach((e) => c.add(e));
  t.equal(c.artifacts.length, 2);
  t.match(c.artifacts[0], { builderId: 'transcend.qemu', id: 'VM', files: ['output-esxi/packer-esxi'] });
  t.match(c.artifacts[1], { builderId: 'packer.post-processor.compress', id: '', files: ['vmware-esxi.dd.gz'] });
  const image = findCompressedImage(c.artifacts);
  t.equal(image?.file, 'vmware-esxi.dd.gz');
  t.equal(image?.artifact.index, 1);
  const phases = events.flatMap((e) => (e.type === 'ui' || e.type === 'build-finished' ? [phaseForUiText(e.text)] : [])).filter(Boolean);
  t.same([...new Set(phases)], ['install', 'post-process', 'compress', 'finish']);
  t.match(events.find((e) => e.type === 'build-finished'), { build: 'qemu.esxi', ok: true, duration: '21 seconds 473 milliseconds' });
});

t.test('docs/packer.md cancelled: Build "finished" is printed though cancelled, no error-count', async (t) => {
  const { events, unparsed } = parseSample('cancelled.txt');
  t.same(unparsed, ['rc=1']);
  t.match(events[1], { type: 'ui', level: 'error', text: 'Cancelling build after receiving interrupt' });
  t.match(events[2], { type: 'build-finished', ok: true });
  t.match(events[4], { type: 'ui', text: 'Cleanly cancelled builds after being interrupted.' });
  t.notOk(events.some((e) => e.type === 'error-count'));
});

t.test('edge cases of the line format', async (t) => {
  t.equal(parseMachineReadableLine(''), null);
  t.equal(parseMachineReadableLine('panic: runtime error'), null);
  t.equal(parseMachineReadableLine('==> qemu.esxi: text'), null);
  t.match(parseMachineReadableLine('1795631152,,ui,say,crlf line\r'), { text: 'crlf line' }, 'a trailing CR from the pipe is dropped');
  t.match(parseMachineReadableLine('1,,ui,say,a\\r\\nb'), { text: 'a\r\nb' });
  t.match(parseMachineReadableLine('1,b,artifact,0,file,1,dir%!(PACKER_COMMA)x/y.dd.gz'), { type: 'artifact', index: 0, field: 'file', fileIndex: 1, value: 'dir,x/y.dd.gz' });
  t.match(parseMachineReadableLine('1,b,artifact,0,nil'), { type: 'artifact', field: 'nil', value: '' }, 'newer Packer: i,nil');
  t.match(parseMachineReadableLine('1,,template-variable,greeting,hello,0'), { type: 'raw', kind: 'template-variable', data: ['greeting', 'hello', '0'] });
  t.match(parseMachineReadableLine('1,,ui,ask,question'), { type: 'raw', kind: 'ui', data: ['ask', 'question'] });
  t.match(parseMachineReadableLine("1,,ui,error,Build 'qemu.esxi' errored after 1 minute 23 seconds: Build was cancelled."), {
    type: 'build-finished',
    ok: false,
    duration: '1 minute 23 seconds',
    error: 'Build was cancelled.',
  });
});

t.test('failure text: the failing step, qemu\'s stderr, a script\'s ERROR line (captured on this host)', async (t) => {
  const base: RunOutcome = { exitCode: 1, signal: undefined, errorCount: 1, buildErrors: ['Build was halted.'], uiErrors: [], stderrTail: [], buildStarted: true };
  const msr = failureFromOutcome({
    ...base,
    uiErrors: ['==> qemu.esxi: Error launching VM: Qemu failed to start. Please run with PACKER_LOG=1 to get more info.', "Build 'qemu.esxi' errored after 100 milliseconds 715 microseconds: Build was halted."],
    diagnostics: [
      'qemu-system-x86_64: warning: Number of SMP cpus requested (4) exceeds the recommended cpus supported by KVM (2)',
      'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69',
      "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.",
    ],
  });
  t.equal(msr.message, 'Packer build failed: qemu.esxi: Error launching VM: Qemu failed to start. (qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69)');
  t.match(msr.hint, /nested virtualisation/);
  t.match(msr.body, /qemu:\n.*Number of SMP cpus/);

  const script = failureFromOutcome({
    ...base,
    buildErrors: ['1 error(s) occurred:\n\n* Post-processor failed: Script exited with non-zero exit status: 1.Allowed exit codes are: [0]'],
    uiErrors: ['==> qemu.esxi (shell-local): install-curtin-hook: ERROR: output/vmware-esxi-vm/vmware-esxi.raw has no GPT header at LBA 1 (not a GPT disk image?)'],
  });
  t.match(script.message, /^Packer build failed: Post-processor failed: Script exited with non-zero exit status: 1\.Allowed exit codes are: \[0\] — install-curtin-hook: ERROR: .* has no GPT header/);

  const killed = failureFromOutcome({ ...base, exitCode: undefined, signal: 'SIGKILL', errorCount: 0, buildErrors: [], buildStarted: false });
  t.equal(killed.message, 'Packer was killed by SIGKILL without an error message');
  t.equal(killed.signal, 'SIGKILL');
  t.match(killed.toJSON(), { name: 'PackerError', signal: 'SIGKILL' });
});
