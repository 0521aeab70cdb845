using System;
using System.Globalization;
using System.Management.Automation;

namespace PSWebServer;

/// <summary>
/// Lets a TimeSpan parameter take a number of seconds: PowerShell alone would turn <c>-Delay 2</c> into two ticks,
/// which no one means. Numbers (and numeric text) are seconds; other text is parsed as a TimeSpan ('00:00:02');
/// a TimeSpan is used as it is.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class SecondsToTimeSpanAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        switch (value)
        {
            case TimeSpan:
                return value;
            case int or long or short or byte or sbyte or ushort or uint or ulong or double or float or decimal:
                return FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds):
                return FromSeconds(seconds);
            case string text when TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan span):
                return span;
            default:
                return inputData; // let the binder convert it, or say why it cannot
        }
    }

    private static TimeSpan FromSeconds(double seconds)
    {
        if (double.IsNaN(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds)
            throw new ArgumentTransformationMetadataException($"{seconds.ToString(CultureInfo.InvariantCulture)} is not a number of seconds from zero up.");
        return TimeSpan.FromSeconds(seconds);
    }
}
