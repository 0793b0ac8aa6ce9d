using BenchmarkDotNet.Running;
using Syslogintr.Bench;

// `bench/ban-latency.sh [--bans N --interval-ms MS --write local,majority,all]`: ban propagation across a 3-node cluster.
if (args is ["ban-latency", .. var rest])
{
    return await BanPropagation.RunAsync(rest);
}

// `bench/micro.sh [BenchmarkDotNet arguments]`, e.g. `--filter *Parser*`; with none, every benchmark runs.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
return 0;
