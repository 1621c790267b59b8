/**
 * The first value of a number field that will hold fractions, on objects made by the thousand (an
 * order, a position per symbol): written first, then the field's real start value.
 *
 * Why: V8 gives a field whose first value is a whole number (`0`) a small-integer representation;
 * the first fraction stored in it later replaces the object's hidden class and deprecates the old
 * one. For an object literal, every object made after that is still made with the deprecated
 * class (from the literal's boilerplate) and migrates, a runtime call, on its next access. A
 * backtest over 100,000 symbols spent 0.56 s, 5.6 us per order, in the first read of each order
 * (`ConditionalDesk.evaluate`), and no two orders shared a hidden class; positions (a class)
 * were split between two (docs/performance.md, "orders of one hidden class"). A field written
 * first with a fraction is a double field from the start; the whole-number value written after it
 * is stored as a double.
 */
export const DOUBLE_FIELD = 0.5;
