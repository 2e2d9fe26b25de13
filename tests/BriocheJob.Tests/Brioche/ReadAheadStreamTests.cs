using BriocheJob.Brioche;

namespace BriocheJob.Tests.Brioche;

public sealed class ReadAheadStreamTests
{
    [Fact]
    public void Reads_the_source_byte_for_byte_in_any_read_sizes()
    {
        var data = new byte[1_000_003];
        new Random(3).NextBytes(data);
        using var stream = new ReadAheadStream(new MemoryStream(data), blockSize: 4096, blocks: 3);
        using var copy = new MemoryStream();
        var buffer = new byte[777];
        int read;
        while ((read = stream.Read(buffer, 0, new Random(copy.Length.GetHashCode()).Next(1, buffer.Length))) > 0)
        {
            copy.Write(buffer, 0, read);
        }
        copy.ToArray().ShouldBe(data);
    }

    [Fact]
    public void A_source_failure_reaches_the_reader_after_the_bytes_read_before_it()
    {
        using var stream = new ReadAheadStream(new FailingAfter(10_500), blockSize: 1000, blocks: 2);
        var buffer = new byte[100];
        long total = 0;
        var failure = Should.Throw<InvalidDataException>(() =>
        {
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                total += read;
            }
        });
        failure.Message.ShouldBe("corrupt at 10500");
        total.ShouldBe(10_500);
    }

    [Fact]
    public void Disposing_stops_the_thread_without_reading_the_whole_source()
    {
        var source = new FailingAfter(long.MaxValue);
        var stream = new ReadAheadStream(source, blockSize: 1000, blocks: 2);
        stream.ReadByte();
        stream.Dispose();
        var after = source.Position;
        Thread.Sleep(50);
        source.Position.ShouldBe(after);
        after.ShouldBeLessThanOrEqualTo(4 * 1000);
    }

    /// <summary>Endless zeros that throw once <c>limit</c> bytes were read.</summary>
    private sealed class FailingAfter(long limit) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Interlocked.Read(ref _position); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= limit)
            {
                throw new InvalidDataException($"corrupt at {_position}");
            }
            var take = (int)Math.Min(count, limit - _position);
            Array.Clear(buffer, offset, take);
            Interlocked.Add(ref _position, take);
            return take;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
