"""The eight analyses over gold: their SQL, the periods they cover and statistical secrecy."""
