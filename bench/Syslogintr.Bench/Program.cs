using System.Globalization;
using BenchmarkDotNet.Running;
using Syslogintr.Bench;
using Syslogintr.Bench.Wire;

// `bench/micro.sh [BenchmarkDotNet arguments]`, e.g. `--filter *Parser*`; with none, every benchmark runs.
// `bench/wire.sh [ROUNDS [SECONDS]]`: the node-to-node wire benchmark (mode `wire`, which starts `wire-receiver`).
// `bench/ban-latency.sh [--bans N --interval-ms MS --write local,majority,all]`: ban propagation across a 3-node cluster.
switch (args)
{
    case ["ban-latency", .. var rest]:
        return await BanPropagation.RunAsync(rest);
    case ["wire", .. var rest]:
        return await WireBench.RunAsync(
            rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 3,
            TimeSpan.FromSeconds(rest.Length > 1 ? double.Parse(rest[1], CultureInfo.InvariantCulture) : 4));
    case ["wire-receiver"]:
        await WireReceiver.RunAsync();
        return 0;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
        return 0;
}
