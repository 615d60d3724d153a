using System.Runtime.InteropServices;
using System.Text;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The one-process-per-file lock: <c>&lt;path&gt;.lock</c> opened with <see cref="FileShare.None"/>, which .NET turns into an
/// exclusive OS lock (<c>flock</c> on Linux and macOS, a share mode on Windows). The OS releases it when the process ends in any
/// way, <c>SIGKILL</c> included, so a crashed owner never blocks its restart. The owner's pid, host name and start time are
/// written into the file for the message a second process shows; the file itself stays after shutdown (its presence means
/// nothing, only the OS lock does).
/// </summary>
internal sealed class SqliteFileLock : IDisposable
{
    private readonly FileStream _stream;

    private SqliteFileLock(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Takes the lock of <paramref name="databasePath"/>, or throws naming the process that holds it.</summary>
    /// <exception cref="InvalidOperationException">Another process (or another store in this process) owns the file.</exception>
    public static SqliteFileLock Acquire(string databasePath, DateTimeOffset now)
    {
        var path = databasePath + ".lock";
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException e) when (File.Exists(path))
        {
            var owner = ReadOwner(path);
            var ownerText = owner is null ? "another process" : $"another process ({owner})";
            throw new InvalidOperationException(
                $"The SQLite database '{databasePath}' (Storage:Sqlite:Path) is in use by {ownerText}: its lock file '{path}' is locked. " +
                "One process owns a database file at a time; stop the other process or give this one another Storage:Sqlite:Path.", e);
        }

        try
        {
            var text = $"pid {Environment.ProcessId} on host {Environment.MachineName} since {now:O}\n";
            stream.SetLength(0);
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush();
        }
        catch (IOException)
        {
            // The owner's description is a courtesy (a full disk must not stop the start); the OS lock is what counts.
        }

        return new SqliteFileLock(stream, path);
    }

    /// <summary>Releases the lock (the OS does it as well when the process dies).</summary>
    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// The owner's description written in the lock file. .NET cannot open a file another process locked (its own open takes a
    /// shared lock), so on Unix it is read with the system calls directly; elsewhere it is unknown.
    /// </summary>
    private static string? ReadOwner(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        try
        {
            var fd = NativeMethods.open(path, 0 /* O_RDONLY */);
            if (fd < 0)
            {
                return null;
            }

            try
            {
                var buffer = new byte[256];
                var read = NativeMethods.read(fd, buffer, buffer.Length);
                var text = read > 0 ? Encoding.UTF8.GetString(buffer, 0, (int)read).Trim() : string.Empty;
                return text.Length == 0 ? null : text;
            }
            finally
            {
                _ = NativeMethods.close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or MarshalDirectiveException)
        {
            return null;
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable CA2101, SYSLIB1054 // The path is marshalled as UTF-8, as Unix expects; a classic import keeps unsafe code out of the package.
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
#pragma warning restore CA2101, SYSLIB1054

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054
        public static extern nint read(int fd, byte[] buffer, nint count);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int close(int fd);
#pragma warning restore SYSLIB1054
    }
}
