using System.Data.Common;

namespace BriocheJob.Store;

/// <summary>
/// One connection (and its transaction, when the work writes) that the logic both SQL stores share issues its
/// statements on, in that store's <see cref="StoreDialect"/>. Parameter names are given as the SQL text says them
/// without the <c>@</c>; the dialect adds what its provider wants.
/// </summary>
internal readonly record struct StoreCommands(DbConnection Connection, DbTransaction? Transaction, StoreDialect Dialect)
{
    /// <summary>A command of <paramref name="sql"/> with these parameters (null for SQL NULL).</summary>
    public DbCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        DbCommand command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = Transaction;
        foreach ((string name, object? value) in parameters)
        {
            AddParameter(command, name).Value = value ?? DBNull.Value;
        }

        return command;
    }

    /// <summary>A command of <paramref name="sql"/> whose parameters are already named for this provider.</summary>
    public DbCommand CommandWithProviderNames(string sql, (string Name, object? Value)[] parameters)
    {
        DbCommand command = Command(sql);
        foreach ((string name, object? value) in parameters)
        {
            DbParameter parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Adds parameter <paramref name="name"/> (no value yet): for a command run many times with new values.</summary>
    public DbParameter AddParameter(DbCommand command, string name)
    {
        DbParameter parameter = command.CreateParameter();
        parameter.ParameterName = Dialect.ParameterPrefix + name;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using DbCommand command = Command(sql, parameters);
        return command.ExecuteScalar();
    }

    public int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using DbCommand command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }
}
