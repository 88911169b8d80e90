using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace QueueHttpApi.Tests.Tasks;

/// <summary>Every bad transcription upload is a problem naming its field, stores nothing and leaves nothing in the spool.</summary>
public sealed class TranscriptionValidationTests(ValidationApi fixture) : IClassFixture<ValidationApi>
{
    private const string Path = "/tasks/transcription";

    [Theory]
    [InlineData("priority", "high", "priority")]
    [InlineData("priority", "101", "priority")]
    [InlineData("priority", "-1", "priority")]
    [InlineData("priority", "1.5", "priority")]
    [InlineData("maxRetries", "-1", "maxRetries")]
    [InlineData("maxRetries", "lots", "maxRetries")]
    [InlineData("language", "--help", "language")]
    [InlineData("language", "", "language")]
    [InlineData("language", "en us", "language")]
    [InlineData("then", "summarise", "then")]
    [InlineData("then", "", "then")]
    [InlineData("colour", "red", "colour")]
    [InlineData("audioPath", "/etc/passwd", "audioPath")]
    public async Task SubmitTranscription_IsRefusedNamingTheField_WhenAFormFieldIsBad(string name, string value, string field)
    {
        await ExpectRefusedAsync(() => fixture.Client.UploadAsync(TaskTestSupport.Wav(), (name, value)), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedBeforeTheFileIsRead_WhenABadFieldComesFirst()
    {
        // The field precedes the file in the form, so the refusal comes before any audio is spooled.
        await ExpectRefusedAsync(() => fixture.Client.UploadAsync(TaskTestSupport.Wav(100_000), ("priority", "high")), HttpStatusCode.BadRequest, "priority");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingTheField_WhenAFieldIsGivenTwice()
    {
        await ExpectRefusedAsync(() => fixture.Client.UploadAsync(TaskTestSupport.Wav(), ("priority", "1"), ("priority", "2")), HttpStatusCode.BadRequest, "priority");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingTheField_WhenAFieldIsTooLong()
    {
        await ExpectRefusedAsync(() => fixture.Client.UploadAsync(TaskTestSupport.Wav(), ("language", new string('a', 1025))), HttpStatusCode.BadRequest, "language");
    }

    [Theory]
    [InlineData("RIFF....WAVE but not really")]
    [InlineData("ID3 an mp3 file")]
    [InlineData("RIFF\0\0\0\0WAVEdata\0\0\0\0")]
    public async Task SubmitTranscription_IsRefusedNamingAudio_WhenTheUploadIsNotAWav(string content)
    {
        await ExpectRefusedAsync(() => fixture.Client.UploadAsync(Encoding.ASCII.GetBytes(content)), HttpStatusCode.BadRequest, "audio");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingAudio_WhenTheUploadIsEmpty()
    {
        await ExpectRefusedAsync(() => fixture.Client.UploadAsync([]), HttpStatusCode.BadRequest, "audio");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingAudio_WhenTheFormHasNoAudio()
    {
        await ExpectRefusedAsync(() => fixture.Client.UploadAsync(null, ("priority", "1")), HttpStatusCode.BadRequest, "audio");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingAudio_WhenTheFormHasTwoFiles()
    {
        using var form = TaskTestSupport.Form(TaskTestSupport.Wav());
        form.Add(new ByteArrayContent(TaskTestSupport.Wav()), "audio", "second.wav");

        await ExpectRefusedAsync(() => fixture.Client.PostAsync(new Uri(Path, UriKind.Relative), form), HttpStatusCode.BadRequest, "audio");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SubmitTranscription_IsTooLargeNamingAudio_WhenTheUploadIsOverTheLimit(bool announced)
    {
        using var form = TaskTestSupport.Form(TaskTestSupport.Wav(ValidationApi.MaxUploadBytes));
        using var body = announced ? (HttpContent)form : await UnknownLengthContent.FromAsync(form);

        await ExpectRefusedAsync(() => fixture.Client.PostAsync(new Uri(Path, UriKind.Relative), body), HttpStatusCode.RequestEntityTooLarge, "audio");
    }

    [Fact]
    public async Task SubmitTranscription_Accepts_WhenTheUploadIsExactlyAtTheLimit()
    {
        using var response = await fixture.Client.UploadAsync(TaskTestSupport.Wav(ValidationApi.MaxUploadBytes - 44));

        var task = await response.ShouldBeAcceptedAsync();
        new FileInfo(System.IO.Path.Combine(fixture.Api.SpoolDirectory, task.Id, "audio.wav")).Length.Should().Be(ValidationApi.MaxUploadBytes);
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingTheBody_WhenTheMultipartBodyIsTruncated()
    {
        using var form = TaskTestSupport.Form(TaskTestSupport.Wav(20_000));
        var whole = await form.ReadAsByteArrayAsync();
        using var truncated = new ByteArrayContent(whole[..(whole.Length / 2)]);
        truncated.Headers.ContentType = form.Headers.ContentType;

        await ExpectRefusedAsync(() => fixture.Client.PostAsync(new Uri(Path, UriKind.Relative), truncated), HttpStatusCode.BadRequest, "body");
    }

    [Fact]
    public async Task SubmitTranscription_IsRefusedNamingTheContentType_WhenTheBoundaryIsMissing()
    {
        using var content = new ByteArrayContent(TaskTestSupport.Wav());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data");

        await ExpectRefusedAsync(() => fixture.Client.PostAsync(new Uri(Path, UriKind.Relative), content), HttpStatusCode.BadRequest, "Content-Type");
    }

    [Theory]
    [InlineData("audio/wav")]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task SubmitTranscription_IsUnsupportedMediaType_WhenTheBodyIsNeitherAFormNorJson(string? contentType)
    {
        using var content = new ByteArrayContent(TaskTestSupport.Wav());
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        await ExpectRefusedAsync(() => fixture.Client.PostAsync(new Uri(Path, UriKind.Relative), content), HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    private async Task ExpectRefusedAsync(Func<Task<HttpResponseMessage>> send, HttpStatusCode status, string field)
    {
        var tasksBefore = await fixture.TotalAsync();
        var foldersBefore = fixture.Api.SpoolFolders();

        using var response = await send();

        await response.ShouldBeProblemAsync(status, field);
        (await fixture.TotalAsync()).Should().Be(tasksBefore, "a refused submission stores nothing");
        fixture.Api.SpoolFolders().Should().BeEquivalentTo(foldersBefore, "a refused upload leaves nothing in the spool");
    }
}
