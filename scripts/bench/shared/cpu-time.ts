/**
 * CPU time of this process (user + system, every thread: crypto, file reads, worker threads) from
 * now until the returned function is called, in ms. The CPU of other programs (the reference clients
 * and whatever they start) comes from shared/run-process.ts with `measureCpu`.
 */
export function startCpuClock(): () => number {
  const before = process.cpuUsage();
  return () => {
    const cpu = process.cpuUsage(before);
    return (cpu.user + cpu.system) / 1000;
  };
}
