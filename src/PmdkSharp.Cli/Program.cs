using PmdkSharp.Cli;

return PmemsharpCommandLine.Run(args);
