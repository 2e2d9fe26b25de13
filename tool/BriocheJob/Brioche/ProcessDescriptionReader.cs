using System.Text.Json;

namespace BriocheJob.Brioche;

/// <summary>
/// Reads Description JSON into a <see cref="ProcessDescription"/> by walking a parsed <see cref="JsonElement"/>, without
/// the serializer's metadata: setting that up (a converter per type, attribute reflection for polymorphism) was about
/// a tenth of every <c>show</c> and <c>logs</c> start of the Native AOT tool. Input outside the plain shape (a value of
/// another kind, a number out of range, a property given twice, malformed JSON) gives null, and
/// <see cref="ProcessDescription.Parse"/> then runs the serializer, so such input keeps its exact result or error.
/// </summary>
internal static class ProcessDescriptionReader
{
    public static ProcessDescription? TryRead(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            JsonElement root = JsonElement.ParseValue(ref reader);
            if (reader.Read())
            {
                return null; // more than one value: the serializer says what is wrong
            }

            return Description(root);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotPlainException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null; // a string that is not UTF-8
        }
    }

    private static ProcessDescription Description(JsonElement element)
    {
        Expect(element, JsonValueKind.Object);
        var description = new ProcessDescription();
        var seen = new Seen();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            JsonElement value = property.Value;
            if (property.NameEquals("recipe"))
            {
                seen.Once(0);
                description.Recipe = value;
            }
            else if (property.NameEquals("meta"))
            {
                seen.Once(1);
                description.Meta = value.ValueKind == JsonValueKind.Null ? null! : Meta(value);
            }
            else if (property.NameEquals("sandboxConfig"))
            {
                seen.Once(2);
                description.SandboxConfig = value.ValueKind == JsonValueKind.Null ? null! : Sandbox(value);
            }
            else if (property.NameEquals("rootDir"))
            {
                seen.Once(3);
                description.RootDir = String(value)!;
            }
            else if (property.NameEquals("outputDir"))
            {
                seen.Once(4);
                description.OutputDir = String(value)!;
            }
            else if (property.NameEquals("createdAt"))
            {
                seen.Once(5);
                description.CreatedAtText = String(value)!;
            }
            else
            {
                description.AdditionalProperties = Extension(description.AdditionalProperties, property);
            }
        }

        return description;
    }

    private static ProcessMeta Meta(JsonElement element)
    {
        Expect(element, JsonValueKind.Object);
        var meta = new ProcessMeta();
        var seen = new Seen();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.NameEquals("source"))
            {
                seen.Once(0);
                meta.Source = List(property.Value, Frame);
            }
            else
            {
                meta.AdditionalProperties = Extension(meta.AdditionalProperties, property);
            }
        }

        return meta;
    }

    private static RecipeStackFrame Frame(JsonElement element)
    {
        Expect(element, JsonValueKind.Object);
        var frame = new RecipeStackFrame();
        var seen = new Seen();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            JsonElement value = property.Value;
            if (property.NameEquals("fileName"))
            {
                seen.Once(0);
                frame.FileName = String(value);
            }
            else if (property.NameEquals("lineNumber"))
            {
                seen.Once(1);
                frame.LineNumber = Int64(value);
            }
            else if (property.NameEquals("columnNumber"))
            {
                seen.Once(2);
                frame.ColumnNumber = Int64(value);
            }
            else if (property.NameEquals("projectName"))
            {
                seen.Once(3);
                frame.ProjectName = String(value);
            }
            else if (property.NameEquals("modulePath"))
            {
                seen.Once(4);
                frame.ModulePath = String(value);
            }
            else
            {
                frame.AdditionalProperties = Extension(frame.AdditionalProperties, property);
            }
        }

        return frame;
    }

    private static SandboxConfig Sandbox(JsonElement element)
    {
        Expect(element, JsonValueKind.Object);
        var sandbox = new SandboxConfig();
        var seen = new Seen();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            JsonElement value = property.Value;
            if (property.NameEquals("sandboxRoot"))
            {
                seen.Once(0);
                sandbox.SandboxRoot = String(value)!;
            }
            else if (property.NameEquals("includeHostPaths"))
            {
                seen.Once(1);
                sandbox.IncludeHostPaths = Dictionary(value, HostPath)!;
            }
            else if (property.NameEquals("command"))
            {
                seen.Once(2);
                sandbox.Command = Template(value)!;
            }
            else if (property.NameEquals("args"))
            {
                seen.Once(3);
                sandbox.Args = List(value, Template)!;
            }
            else if (property.NameEquals("env"))
            {
                seen.Once(4);
                sandbox.Env = Dictionary(value, Template)!;
            }
            else if (property.NameEquals("currentDir"))
            {
                seen.Once(5);
                sandbox.CurrentDir = Template(value)!;
            }
            else if (property.NameEquals("networking"))
            {
                seen.Once(6);
                sandbox.Networking = value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new NotPlainException(),
                };
            }
            else if (property.NameEquals("uidHint"))
            {
                seen.Once(7);
                sandbox.UidHint = UInt32(value);
            }
            else if (property.NameEquals("gidHint"))
            {
                seen.Once(8);
                sandbox.GidHint = UInt32(value);
            }
            else
            {
                sandbox.AdditionalProperties = Extension(sandbox.AdditionalProperties, property);
            }
        }

        return sandbox;
    }

    private static HostPathOptions? HostPath(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Expect(element, JsonValueKind.Object);
        var options = new HostPathOptions();
        var seen = new Seen();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.NameEquals("mode"))
            {
                seen.Once(0);
                options.Mode = String(property.Value)!;
            }
            else if (property.NameEquals("guestPathHint"))
            {
                seen.Once(1);
                options.GuestPathHint = String(property.Value);
            }
            else
            {
                options.AdditionalProperties = Extension(options.AdditionalProperties, property);
            }
        }

        return options;
    }

    private static ProcessTemplate? Template(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Expect(element, JsonValueKind.Object);
        var template = new ProcessTemplate();
        var seen = new Seen();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.NameEquals("components"))
            {
                seen.Once(0);
                template.Components = List(property.Value, Component)!;
            }
            else
            {
                template.AdditionalProperties = Extension(template.AdditionalProperties, property);
            }
        }

        return template;
    }

    private static TemplateComponent? Component(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Expect(element, JsonValueKind.Object);
        var component = new TemplateComponent();
        var seen = new Seen();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.NameEquals("type"))
            {
                seen.Once(0);
                component.Type = String(property.Value)!;
            }
            else if (property.NameEquals("value"))
            {
                seen.Once(1);
                component.Value = String(property.Value);
            }
            else
            {
                component.AdditionalProperties = Extension(component.AdditionalProperties, property);
            }
        }

        return component;
    }

    private static List<T>? List<T>(JsonElement element, Func<JsonElement, T?> item)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Expect(element, JsonValueKind.Array);
        var list = new List<T>(element.GetArrayLength());
        foreach (JsonElement value in element.EnumerateArray())
        {
            list.Add(value.ValueKind == JsonValueKind.Null ? default! : item(value)!);
        }

        return list;
    }

    private static Dictionary<string, T>? Dictionary<T>(JsonElement element, Func<JsonElement, T?> item)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Expect(element, JsonValueKind.Object);
        var dictionary = new Dictionary<string, T>();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!dictionary.TryAdd(property.Name, item(property.Value)!))
            {
                throw new NotPlainException();
            }
        }

        return dictionary;
    }

    private static Dictionary<string, JsonElement> Extension(Dictionary<string, JsonElement>? bag, JsonProperty property)
    {
        bag ??= [];
        if (!bag.TryAdd(property.Name, property.Value))
        {
            throw new NotPlainException();
        }

        return bag;
    }

    private static string? String(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Null => null,
        _ => throw new NotPlainException(),
    };

    private static long? Int64(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetInt64(out long value) => value,
        JsonValueKind.Null => null,
        _ => throw new NotPlainException(),
    };

    private static uint? UInt32(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetUInt32(out uint value) => value,
        JsonValueKind.Null => null,
        _ => throw new NotPlainException(),
    };

    private static void Expect(JsonElement element, JsonValueKind kind)
    {
        if (element.ValueKind != kind)
        {
            throw new NotPlainException();
        }
    }

    /// <summary>Which known properties an object has given: a second one is left to the serializer.</summary>
    private struct Seen
    {
        private int _bits;

        public void Once(int property)
        {
            if ((_bits & (1 << property)) != 0)
            {
                throw new NotPlainException();
            }

            _bits |= 1 << property;
        }
    }

    private sealed class NotPlainException : Exception;
}
