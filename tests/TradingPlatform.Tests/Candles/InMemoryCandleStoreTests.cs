using TradingPlatform.Candles;

namespace TradingPlatform.Tests.Candles;

public sealed class InMemoryCandleStoreTests() : CandleStoreContract(new InMemoryCandleStore());
