// latest.md from latest.json: tables, and each target of issue 9 met or not, with the figure.
// Nothing here is typed by hand: every number comes from `results`.
const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(d));
const table = (head, rows) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
const verdict = (ok) =>
  ok === null || ok === undefined
    ? 'not measured'
    : ok === 'inconclusive'
      ? '**inconclusive** (the baseline measured no slower than the floor: noise)'
      : ok
        ? '**met**'
        : '**not met**';

function partState(part) {
  if (!part) return 'not run in this run.';
  if (part.error) return `failed: \`${part.error.split('\n')[0]}\``;
  return null;
}

export function targets(r) {
  const out = [];
  const cli = r.cli && !r.cli.error ? Object.fromEntries(r.cli.programs.map((p) => [p.id, p])) : null;
  if (cli) {
    const x = cli.ours.totalMs.median / cli.minimal.totalMs.median;
    out.push([
      'CLI full flow ≤ 1.15× the minimal flow (median)',
      `${f(cli.ours.totalMs.median)} ms vs ${f(cli.minimal.totalMs.median)} ms = ${f(x, 2)}×`,
      x <= 1.15,
    ]);
    const xr = cli.ours.peakRssMiB.median / cli.minimal.peakRssMiB.median;
    out.push([
      'CLI peak RSS ≤ 1.15× the minimal flow',
      `${f(cli.ours.peakRssMiB.median)} MiB vs ${f(cli.minimal.peakRssMiB.median)} MiB = ${f(xr, 2)}×`,
      xr <= 1.15,
    ]);
    const xu = cli.ours.toUrlMs.median / cli['node-e'].totalMs.median;
    // What no program that listens avoids (startup part's leads, measured against their own `node -e ''`).
    const listenLead = r.startup && !r.startup.error ? r.startup.leads?.find((l) => l.id === 'listen') : undefined;
    out.push([
      "Time to URL ≤ 1.15× `node -e ''`",
      `${f(cli.ours.toUrlMs.median)} ms vs ${f(cli['node-e'].totalMs.median)} ms = ${f(xu, 2)}×` +
        (listenLead?.xNode !== undefined
          ? ` (a program that only opens its listener: ${f(listenLead.xNode, 2)}×; the minimal flow ${f(cli.minimal.toUrlMs.median / cli['node-e'].totalMs.median, 2)}×)`
          : ''),
      xu <= 1.15,
    ]);
    out.push([
      'Process gone ≤ 10 ms after sending the browser its page',
      `median ${f(cli.ours.exitAfterPageMs.median)} ms, max ${f(cli.ours.exitAfterPageMs.max)} ms (page received → exit)`,
      cli.ours.exitAfterPageMs.median <= 10,
    ]);
  } else {
    out.push(['CLI full flow ≤ 1.15× the minimal flow', partState(r.cli), null]);
  }
  const st = r.startup && !r.startup.error ? Object.fromEntries(r.startup.commands.map((c) => [c.id, c])) : null;
  if (st) {
    for (const id of ['help', 'version'])
      out.push([`${st[id].label} ≤ 1.1× \`node -e ''\``, `${f(st[id].wallMs.median)} ms = ${f(st[id].xNode, 2)}×`, st[id].xNode <= 1.1]);
  } else {
    out.push(['`--help` and `--version` ≤ 1.1×', partState(r.startup), null]);
  }
  const sv = r.serve && !r.serve.error ? r.serve : null;
  if (sv?.summary) {
    for (const s of sv.summary) {
      out.push([
        `serve (${s.store}, ${s.concurrency} concurrent): cost beyond the floor ≤ ⅓ of the baseline's`,
        `${f(s.oursCostMs, 2)} vs ${f(s.baselineCostMs, 2)} ms/auth = ${f(s.costRatio, 2)} of it`,
        s.costRatio === null ? (s.baselineCostMs !== null && s.baselineCostMs <= 0 ? 'inconclusive' : null) : s.costRatio <= 1 / 3,
      ]);
    }
    // The same comparison in server CPU per authorization: less at the mercy of the other load on a shared machine.
    for (const s of sv.summary) {
      out.push([
        `serve (${s.store}, ${s.concurrency} concurrent), in server CPU: ours beyond the floor ≤ ⅓ of the baseline's`,
        `${f(s.oursCpuBeyondMs, 2)} vs ${f(s.baselineCpuBeyondMs, 2)} CPU ms/auth = ${f(s.cpuRatio, 2)} of it`,
        s.cpuRatio === null ? null : s.cpuRatio <= 1 / 3,
      ]);
    }
    for (const s of sv.summary.filter((x) => x.concurrency === Math.max(...sv.summary.map((y) => y.concurrency)))) {
      out.push([
        `serve (${s.store}, ${s.concurrency} concurrent): p99 ≤ 1.3× the floor's`,
        `${f(s.oursP99)} vs ${f(s.floorP99)} ms = ${f(s.p99Ratio, 2)}×`,
        s.p99Ratio <= 1.3,
      ]);
    }
    for (const p of (sv.paced ?? []).filter((x) => x.server === 'ours'))
      out.push([
        `serve paced (${p.store}, ${p.users} users, ~${p.consentMs} ms consent): p99 < 25 ms`,
        `${f(p.latency.p99)} ms`,
        p.latency.p99 < 25,
      ]);
    const lost = sv.runs.filter((x) => x.accounts && x.accounts.expected !== undefined);
    out.push([
      'Zero lost or duplicated accounts',
      lost.map((x) => `${x.server}/${x.store}/${x.concurrency}: ${x.accounts.stored}/${x.accounts.expected}`).join('; '),
      lost.length > 0 && lost.every((x) => x.accounts.stored === x.accounts.expected),
    ]);
  } else {
    out.push([
      'serve: cost beyond the floor ≤ ⅓ of the baseline; p99; paced p99; no lost accounts',
      partState(r.serve) ?? 'no summary',
      null,
    ]);
  }
  const br = r.broker && !r.broker.error ? r.broker : null;
  if (br) {
    out.push(['Broker ≥ 10k cached answers/s (own raw-socket driver)', `${f(br.cached.rps, 0)} /s`, br.cached.rps >= 10_000]);
    if (br.wrk)
      out.push([
        'Broker ≥ 10k cached answers/s (wrk)',
        `${f(br.wrk.rps, 0)} /s, ${br.wrk.non2xx} non-2xx`,
        br.wrk.rps >= 10_000 && br.wrk.non2xx === 0,
      ]);
    for (const h of br.herds ?? [br.herd])
      out.push([
        `Herd (${h.store}): ${h.requests} concurrent requests for a stale token → exactly 1 refresh`,
        `${h.refreshes} refresh(es), ${h.ok} answered 200`,
        h.refreshes === 1 && h.ok === h.requests,
      ]);
  } else {
    out.push(['Broker ≥ 10k cached answers/s; herd → 1 refresh', partState(r.broker), null]);
  }
  return out;
}

function cliSection(r) {
  const s = partState(r.cli);
  if (s) return `## CLI full flow\n\n${s}\n`;
  const base = r.cli.programs;
  const lines = [
    '## CLI full flow',
    '',
    `${r.cli.runs} runs each, round-robin; process start → URL printed → the "browser" (plain node:http) follows the provider's instant redirect → callback → exchange → exit. Peak RSS: ${r.cli.rssSource}.`,
    '',
    table(
      ['program', 'median ms', 'min', 'max', "× `node -e ''`", 'peak RSS MiB'],
      base.map((p) => [p.label, f(p.totalMs.median), f(p.totalMs.min), f(p.totalMs.max), f(p.xNode, 2), f(p.peakRssMiB.median)]),
    ),
    '',
    '### Modules each flow loads',
    '',
    table(
      ['program', 'files', 'KiB', 'node built-ins (moduleLoadList)', 'undici loaded'],
      base.map((p) => [
        p.label,
        p.modules?.files ?? '–',
        f(p.modules?.kib),
        p.modules?.builtins ?? '–',
        p.modules ? (p.modules.undici ? 'yes' : 'no') : '–',
      ]),
    ),
    '',
    '### Time to URL and after the callback',
    '',
    table(
      ['program', 'to URL median ms', 'min', 'max', 'callback sent → exit median ms', 'max', 'page received → exit median ms', 'max'],
      base
        .filter((p) => p.toUrlMs)
        .map((p) => [
          p.label,
          f(p.toUrlMs.median),
          f(p.toUrlMs.min),
          f(p.toUrlMs.max),
          f(p.afterCallbackMs.median),
          f(p.afterCallbackMs.max),
          f(p.exitAfterPageMs.median),
          f(p.exitAfterPageMs.max),
        ]),
    ),
  ];
  if (r.cli.profileOurs) {
    lines.push(
      '',
      `### Profile of one full flow of ours (--cpu-prof, ${f(r.cli.profileOurs.totalMs)} ms profiled), self time by group`,
      '',
      table(
        ['group', 'self ms'],
        Object.entries(r.cli.profileOurs.byGroup).map(([k, v]) => [k, f(v)]),
      ),
      '',
      'Top files by self time:',
      '',
      table(
        ['file', 'self ms'],
        r.cli.profileOurs.top.map((t) => [`\`${t.file}\``, f(t.selfMs)]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

function startupSection(r) {
  const s = partState(r.startup);
  if (s) return `## Start-up\n\n${s}\n`;
  const lines = [
    '## Start-up',
    '',
    `${r.startup.runs} runs each, round-robin. Modules: files loaded, ESM and CommonJS (count, KiB on disk) and \`node:\` built-ins loaded beyond \`node -e ''\` (process.moduleLoadList).`,
    '',
    table(
      ['command', 'median ms', 'min', 'max', "× `node -e ''`", 'files', 'KiB', 'extra built-ins'],
      r.startup.commands.map((c) => [
        c.failed ? `${c.label} (**${c.failed}**)` : c.label,
        f(c.wallMs.median),
        f(c.wallMs.min),
        f(c.wallMs.max),
        f(c.xNode, 2),
        c.modules.files,
        f(c.modules.kib),
        c.modules.builtinsBeyondNode,
      ]),
    ),
  ];
  if (r.startup.leads) {
    lines.push(
      '',
      '### What pieces of the start-up path cost alone (leads)',
      '',
      `Each a process of its own, ${r.startup.leadRuns ?? r.startup.runs} runs round-robin; "beyond" is its median minus \`node -e ''\`'s.`,
      '',
      table(
        ['piece', 'median ms', "beyond `node -e ''` ms"],
        r.startup.leads.map((l) => [l.label, f(l.wallMs.median), f(l.beyondNodeMs)]),
      ),
    );
  }
  if (r.startup.profileHelp) {
    lines.push(
      '',
      `### Profile of \`ads-oauth --help\` (--cpu-prof, ${f(r.startup.profileHelp.totalMs)} ms profiled), self time by group`,
      '',
      table(
        ['group', 'self ms'],
        Object.entries(r.startup.profileHelp.byGroup).map(([k, v]) => [k, f(v)]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

function serveSection(r) {
  const s = partState(r.serve);
  if (s) return `## serve: authorizations per second\n\n${s}\n`;
  const sv = r.serve;
  const lines = [
    '## serve: authorizations per second',
    '',
    `\`/connect\` → provider (own process, instant consent) → \`/oauth2callback\` → exchange → stored; load from a third process (raw-socket driver, one cookie jar per virtual browser). Each configuration ran ${sv.rounds ?? 1} × ${sv.durationS} s (after ${sv.warmupS} s warm-up each, a fresh server and database each), interleaved with the others; auth/s and latencies are the median slice (slices' auth/s in latest.json), CPU and accounts are summed over the slices. CPU: utime+stime from /proc of the server, the provider and the driver over the measured window (Postgres's own processes are not counted).`,
    '',
    table(
      [
        'server',
        'store',
        'concurrent',
        'auth/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'server CPU ms/auth',
        'provider / driver CPU ms/auth',
        'peak RSS MiB',
        'cost beyond floor ms/auth',
        'accounts stored/completed',
      ],
      sv.runs.map((x) => [
        x.server,
        x.store,
        x.concurrency,
        f(x.throughput, 0),
        f(x.latency.p50),
        f(x.latency.p99),
        x.errors,
        f(x.cpuMsPerAuth, 2),
        `${f(x.providerCpuMsPerAuth, 2)} / ${f(x.driverCpuMsPerAuth, 2)}`,
        f(x.serverRssPeakMiB),
        x.server === 'floor' ? '–' : f(x.costBeyondFloorMs, 2),
        x.accounts ? `${x.accounts.stored}/${x.accounts.expected}` : '–',
      ]),
    ),
  ];
  if (sv.profileOurs) {
    const pr = sv.profileOurs;
    lines.push(
      '',
      `### Where serve's CPU goes (--cpu-prof of ours, ${pr.store}, ${pr.concurrency} concurrent, ${pr.authorizations} authorizations, the ${f(pr.totalMs)} ms of load only)`,
      '',
      table(
        ['group', 'self ms', 'ms per authorization'],
        Object.entries(pr.byGroup).map(([k, v]) => [k, f(v), f(pr.msPerAuthByGroup[k], 3)]),
      ),
      '',
      'Top files by self time:',
      '',
      table(
        ['file', 'self ms'],
        pr.top.map((t) => [`\`${t.file}\``, f(t.selfMs)]),
      ),
    );
  }
  if (sv.paced?.length) {
    lines.push(
      '',
      '### Paced load',
      '',
      table(
        ['server', 'store', 'users', 'consent ms', 'auth/s', 'p50 ms', 'p99 ms', 'errors', 'accounts stored/completed'],
        sv.paced.map((p) => [
          p.server,
          p.store,
          p.users,
          p.consentMs,
          f(p.throughput, 1),
          f(p.latency.p50),
          f(p.latency.p99),
          p.errors,
          p.accounts ? `${p.accounts.stored}/${p.accounts.expected}` : '–',
        ]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

function brokerSection(r) {
  const s = partState(r.broker);
  if (s) return `## Token broker\n\n${s}\n`;
  const b = r.broker;
  return `${[
    '## Token broker',
    '',
    table(
      ['measure', 'value'],
      [
        ['cached `access-token` answers/s (median slice)', f(b.cached.rps, 0)],
        ['slices', (b.cached.sliceRps ?? [b.cached.rps]).join(', ')],
        ['connections × pipelining', `${b.cached.connections} × ${b.cached.pipelining}`],
        ['p50 / p99 ms', `${f(b.cached.latency.p50, 2)} / ${f(b.cached.latency.p99, 2)}`],
        ['errors (non-200)', b.cached.errors],
        ['server CPU ms per answer', f(b.cached.cpuMsPerAnswer, 3)],
        ...(b.wrk
          ? [
              ['wrk: cached answers/s (median slice; slices)', `${f(b.wrk.rps, 0)} (${b.wrk.sliceRps.join(', ')})`],
              ['wrk: threads × connections', `${b.wrk.threads} × ${b.wrk.connections}`],
              ['wrk: p50 / p99 ms', `${f(b.wrk.latency.p50, 2)} / ${f(b.wrk.latency.p99, 2)}`],
              ['wrk: non-2xx answers', b.wrk.non2xx],
              ['wrk: server CPU ms per answer', f(b.wrk.cpuMsPerAnswer, 3)],
            ]
          : []),
        ...(b.herds ?? [b.herd]).flatMap((h) => [
          [`herd (${h.store}): concurrent requests for a stale token`, h.requests],
          [`herd (${h.store}): upstream refreshes`, h.refreshes],
          [`herd (${h.store}): 200 answers / distinct tokens`, `${h.ok} / ${h.distinctTokens}`],
          [`herd (${h.store}): all answered in ms`, h.elapsedMs],
        ]),
      ],
    ),
    '',
    `Cached: ${b.cached.store}, GET /api/v1/accounts/{id}/access-token with a Bearer API key, raw-socket driver. Herd: the provider answers the refresh after a delay, so all requests overlap it.`,
  ].join('\n')}\n`;
}

function scalingSection(r) {
  const s = partState(r.scaling);
  if (s) return `## Scaling\n\n${s}\n`;
  const sc = r.scaling;
  return `${[
    '## Scaling',
    '',
    `${sc.store}. Accounts seeded through the store's API before serve starts (restarted at each size, same database); ${sc.pending} pending authorization states made through \`/connect\` first (the \`/connect\` load of each step adds more: the pending column is the count at the end of the step). Latency at ${sc.connections} connections: access-token answers for a random account (mostly cache misses: a store read and a decryption) and \`/connect\` (a pending state written).${sc.chart ? ` Chart: [${sc.chart}](${sc.chart}).` : ''}`,
    '',
    table(
      [
        'accounts',
        'pending states',
        'RSS MiB (idle, before any request)',
        'RSS MiB (after load)',
        'access-token requests measured / distinct accounts asked (with warm-up)',
        'access-token p50 ms',
        'access-token p99 ms',
        'access-token answers/s',
        '/connect p99 ms',
        '/connect/s',
        'errors',
      ],
      sc.points.map((p) => [
        p.accounts,
        p.pendingStates,
        f(p.rssIdleMiB),
        f(p.rssAfterMiB),
        `${p.tokenRequests ?? '–'} / ${p.tokenDistinctAccounts ?? '–'}`,
        f(p.tokenP50, 2),
        f(p.tokenP99, 2),
        f(p.tokenRps, 0),
        f(p.connectP99, 2),
        f(p.connectRps, 0),
        p.tokenErrors + p.connectErrors,
      ]),
    ),
  ].join('\n')}\n`;
}

export function renderMarkdown(r) {
  const m = r.meta;
  const rows = targets(r).map(([what, figure, ok]) => [what, figure ?? '–', verdict(ok)]);
  return [
    '# ads-oauth benchmarks (issue 9)',
    '',
    `Run ${m.date}${m.quick ? ' with **--quick** (tiny sizes: these numbers prove the scripts run and mean nothing)' : ''}; Node ${m.node}, ${m.cpus} × ${m.cpuModel}, commit ${m.commit ?? '?'}; load average at start ${m.loadavgAtStart.join(' ')}${m.loadavgAtEnd ? `, at end ${m.loadavgAtEnd.join(' ')}` : ''}${m.elapsedS ? `; ${m.elapsedS} s in all` : ''}. Written by \`npm run bench\`; do not edit.`,
    '',
    '## Targets',
    '',
    table(['target', 'figure', 'verdict'], rows),
    '',
    cliSection(r),
    startupSection(r),
    serveSection(r),
    brokerSection(r),
    scalingSection(r),
    leadsSection(r),
  ].join('\n');
}

/** The block of README.md's "Performance" section between the bench markers. */
export function renderReadmeBlock(r) {
  const rows = targets(r).map(([what, figure, ok]) => [what, figure ?? '–', verdict(ok)]);
  const parts = [
    `Latest full run: ${r.meta.date.slice(0, 10)}, Node ${r.meta.node}, ${r.meta.cpus} cores (shared: load average ${r.meta.loadavgAtStart.join(' ')} at start, so absolute numbers are noisy), commit ${r.meta.commit ?? '?'}. All tables: [bench/results/latest.md](bench/results/latest.md); every number: [latest.json](bench/results/latest.json).`,
    '',
    table(['target (issue 9)', 'figure', 'verdict'], rows),
  ];
  if (r.cli && !r.cli.error) {
    parts.push(
      '',
      table(
        ['CLI full flow', 'median ms', "× `node -e ''`", 'to URL ms', 'peak RSS MiB'],
        r.cli.programs.map((p) => [
          p.label,
          f(p.totalMs.median),
          f(p.xNode, 2),
          p.toUrlMs ? f(p.toUrlMs.median) : '–',
          f(p.peakRssMiB.median),
        ]),
      ),
    );
  }
  if (r.serve && !r.serve.error) {
    parts.push(
      '',
      table(
        ['serve', 'store', 'concurrent', 'auth/s', 'p99 ms', 'cost beyond floor ms/auth', 'server CPU ms/auth'],
        r.serve.runs.map((x) => [
          x.server,
          x.store,
          x.concurrency,
          f(x.throughput, 0),
          f(x.latency.p99),
          x.server === 'floor' ? '–' : f(x.costBeyondFloorMs, 2),
          f(x.cpuMsPerAuth, 2),
        ]),
      ),
    );
  }
  if (r.scaling && !r.scaling.error && r.scaling.chart) parts.push('', `![serve as data grows](bench/results/${r.scaling.chart})`);
  return parts.join('\n');
}

/** "Why", from this run's own measurements: what the profiles and module lists say for each missed target. */
export function leadsSection(r) {
  const lines = ['## Why targets are missed: leads from this run', ''];
  const g = (groups, key) => groups?.[key] ?? 0;
  const sumOurs = (groups) =>
    Object.entries(groups ?? {})
      .filter(([k]) => k.startsWith('dist/'))
      .reduce((a, [, v]) => a + v, 0);
  if (r.cli && !r.cli.error) {
    const p = Object.fromEntries(r.cli.programs.map((x) => [x.id, x]));
    const pr = r.cli.profileOurs?.byGroup;
    const leads = r.startup && !r.startup.error ? Object.fromEntries((r.startup.leads ?? []).map((l) => [l.id, l])) : {};
    lines.push(
      `- **CLI flow and time to URL.** Ours loads ${p.ours.modules?.files} files (${f(p.ours.modules?.kib)} KiB) and ${p.ours.modules?.builtins} built-ins; the minimal flow ${p.minimal.modules?.files} file and ${p.minimal.modules?.builtins} built-ins. Undici is loaded by ours: ${p.ours.modules?.undici ? 'yes' : 'no'}, by the minimal flow: ${p.minimal.modules?.undici ? 'yes' : 'no'}.` +
        (leads.generate
          ? ` Alone, importing dist/cli/commands/generate.js costs ${f(leads.generate.beyondNodeMs)} ms beyond \`node -e ''\`, \`new Headers()\` (undici) ${f(leads.headers?.beyondNodeMs)} ms, oauth4webapi ${f(leads.oauth4webapi?.beyondNodeMs)} ms.`
          : '') +
        (leads.listen && leads['url-floor']
          ? ` Before the URL, any program that listens pays \`listen()\` (${f(leads.listen.beyondNodeMs)} ms beyond \`node -e ''\`: in Node 20 it always loads node:cluster, and with it child_process, dgram and dns) and the PKCE challenge: with node:http and node:crypto, the least before a URL (listener, PKCE, the URL written, CommonJS) is ${f(leads['url-floor'].wallMs.median)} ms = ${f(leads['url-floor'].xNode, 2)}× \`node -e ''\` (ours draws PKCE without node:crypto).${leads.listen.xNode > 1.15 ? ` The listener alone is ${f(leads.listen.xNode, 2)}×, above the 1.15× target on its own.` : ''}`
          : '') +
        (pr
          ? ` In the flow's profile (${f(r.cli.profileOurs.totalMs)} ms): node's module loader ${f(g(pr, 'node: module loader'))} ms, bootstrap ${f(g(pr, 'node: bootstrap'))} ms, undici ${f(g(pr, 'undici (node:internal/deps/undici)'))} ms, web streams/AbortController ${f(g(pr, 'node: web streams, AbortController (fetch plumbing)'))} ms, our own code ${f(sumOurs(pr))} ms.`
          : ''),
    );
  }
  if (r.startup && !r.startup.error) {
    const c = Object.fromEntries(r.startup.commands.map((x) => [x.id, x]));
    const pr = r.startup.profileHelp?.byGroup;
    lines.push(
      `- **\`--help\`/\`--version\`.** ${c.help.modules.files} files (${f(c.help.modules.kib)} KiB), ${c.help.modules.builtinsBeyondNode} built-ins beyond \`node -e ''\`; profile (${f(r.startup.profileHelp?.totalMs)} ms): module loader ${f(g(pr, 'node: module loader'))} ms, bootstrap ${f(g(pr, 'node: bootstrap'))} ms, (program) ${f(g(pr, '(program)'))} ms, our code ${f(sumOurs(pr))} ms${c.help.xNode <= 1.1 && c.version.xNode <= 1.1 ? ' (both targets met)' : ": what is left is Node's own start-up and the CommonJS loader"}.` +
        ` \`verify --help\` loads ${c['verify-help'].modules.files} files (${f(c['verify-help'].modules.kib)} KiB: ${Object.entries(
          c['verify-help'].modules.byPackage,
        )
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}) before it reads \`--help\`; \`generate-user-credentials --help\` ${c['guc-help'].modules.files}.` +
        (c['serve-help'].failed ? ` \`serve --help\` fails: ${c['serve-help'].failed.replace(/\.+$/, '')}.` : ''),
    );
  }
  if (r.serve && !r.serve.error && r.serve.profileOurs) {
    const pr = r.serve.profileOurs.msPerAuthByGroup;
    const top = Object.entries(pr)
      .filter(([k]) => k !== '(idle)')
      .slice(0, 7)
      .map(([k, v]) => `${k} ${f(v, 2)}`)
      .join(', ');
    const row = (server, store) =>
      r.serve.runs.find((x) => x.server === server && x.store === store && x.concurrency === r.serve.runs[0].concurrency);
    lines.push(
      `- **serve.** Server CPU per authorization at ${r.serve.runs[0].concurrency} concurrent: ours ${f(row('ours', 'sqlite')?.cpuMsPerAuth, 2)} ms (SQLite), the baseline ${f(row('baseline', 'sqlite')?.cpuMsPerAuth, 2)} ms, the floor ${f(row('floor', '–')?.cpuMsPerAuth, 2)} ms. Ours under load, CPU ms per authorization by group: ${top}. Top files: ${r.serve.profileOurs.top
        .slice(0, 6)
        .map((t) => `\`${t.file}\` ${f(t.selfMs)} ms`)
        .join(', ')}.`,
    );
  }
  if (r.scaling && !r.scaling.error) {
    const pts = r.scaling.points;
    lines.push(
      `- **Scaling.** Access-token p50 for random accounts: ${pts.map((x) => `${x.accounts} accounts ${f(x.tokenP50, 2)} ms (${x.tokenRequests} requests over ${x.tokenDistinctAccounts} accounts)`).join('; ')}: the cost follows the share of cache misses, not the table size.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
