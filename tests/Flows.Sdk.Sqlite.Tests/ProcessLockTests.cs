using System.Diagnostics;
using Flows.Sdk.Sqlite.Tests.Support;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary>One process per SQLite file, with real processes: the example app started twice on one file, and after a SIGKILL.</summary>
[NonParallelizable]
public sealed class ProcessLockTests
{
    [Test]
    [CancelAfter(90_000)]
    public async Task A_second_process_on_the_same_file_fails_at_start_naming_the_owner_and_a_killed_owner_does_not_block_the_restart(CancellationToken cancellationToken)
    {
        using var directory = new TempDirectory();
        var database = directory.File("flows.db");
        using var first = await PetstoreProcess.StartAsync(database, cancellationToken);

        var watch = Stopwatch.StartNew();
        using var second = PetstoreProcess.Launch(database);
        var exited = await second.WaitForExitAsync(TimeSpan.FromSeconds(20), cancellationToken);
        watch.Stop();

        exited.Should().BeTrue($"a second process on the same file must stop by itself at start; it wrote:\n{second.Output}");
        TestContext.Out.WriteLine($"The second process exited with {second.ExitCode} after {watch.ElapsedMilliseconds} ms.");
        second.ExitCode.Should().NotBe(0);
        second.Output.Should().Contain("Storage:Sqlite:Path").And.Contain("is in use by another process")
            .And.Contain($"pid {first.Id} on host {Environment.MachineName}");
        second.Output.Should().NotContain("Run log pruning failed", "no worker or pruner touches the store before the host has started")
            .And.NotContain("Flow workers started");
        first.HasExited.Should().BeFalse("the owner goes on");

        // SIGKILL: no shutdown code runs; the OS releases the lock with the process.
        first.Kill();
        using var third = await PetstoreProcess.StartAsync(database, cancellationToken);
        var flows = await third.ApiAsync(HttpMethod.Get, "/api/flows", null, cancellationToken);
        flows["items"].Should().NotBeNull("the new owner answers");
    }
}
