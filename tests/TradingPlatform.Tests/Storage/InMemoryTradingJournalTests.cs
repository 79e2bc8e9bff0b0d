using TradingPlatform.Storage;

namespace TradingPlatform.Tests.Storage;

public sealed class InMemoryTradingJournalTests() : TradingJournalContract(new InMemoryTradingJournal());
