"""The compliance report and the record of processing (Art. 5(2), Art. 30)."""
