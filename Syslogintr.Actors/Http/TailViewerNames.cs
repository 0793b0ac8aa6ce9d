namespace Syslogintr.Http;

/// <summary>
/// Router consumer names for tail viewers: <c>tail#1</c>, <c>tail#2</c>, … the lowest one free. Reused once a
/// viewer has left, so the metrics get one series per viewer that can be open at once, not one per connection ever made.
/// </summary>
internal sealed class TailViewerNames
{
    private const string Prefix = "tail#";

    private readonly SortedSet<int> taken = [];

    public string Take()
    {
        lock (taken)
        {
            var number = 1;
            while (taken.Contains(number))
            {
                number++;
            }

            taken.Add(number);
            return Name(number);
        }
    }

    public void Release(string name)
    {
        lock (taken)
        {
            taken.Remove(int.Parse(name.AsSpan(Prefix.Length), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static string Name(int number) => Prefix + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
