using BenchmarkDotNet.Running;

// `bench/micro.sh [BenchmarkDotNet arguments]`, e.g. `--filter *Parser*`; with none, every benchmark runs.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
