using Microsoft.Data.Sqlite;

namespace Benchmarks;

/// <summary>Prepared commands for the benchmarks that seed a SQLite store directly, in one transaction.</summary>
internal static class SeedSql
{
    /// <summary>A prepared command with one parameter per name, in the transaction.</summary>
    public static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] names)
    {
        SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (string name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    /// <summary>Runs <paramref name="command"/> with its parameters set to <paramref name="values"/>, in order.</summary>
    public static void Run(SqliteCommand command, params object[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        command.ExecuteNonQuery();
    }
}
