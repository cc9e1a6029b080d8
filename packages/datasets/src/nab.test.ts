import { describe, expect, it } from "vitest";
import { loadNabLabels, NAB_DEVICE_ID, nabEpochMillis, nabSensorReadings, sensorRecord } from "./index.ts";

describe("NAB ambient temperature", () => {
  it("reads the 7,267 hourly readings in time order, as sensor_data records", () => {
    const readings = nabSensorReadings();
    expect(readings).toHaveLength(7267);
    expect(readings[0]).toEqual({
      device_id: NAB_DEVICE_ID,
      timestamp: "2013-07-04 00:00:00",
      temperature: 69.88083514,
    });
    const times = readings.map((r) => nabEpochMillis(r.timestamp));
    expect(times.every((t, i) => i === 0 || t > (times[i - 1] ?? 0))).toBe(true);
  });

  it("turns a reading into the record a producer sends: epoch milliseconds, UTC", () => {
    expect(sensorRecord(nabSensorReadings()[0] as never)).toEqual({
      device_id: NAB_DEVICE_ID,
      timestamp: Date.UTC(2013, 6, 4),
      temperature: 69.88083514,
    });
  });

  it("names the device it is given", () => {
    expect(nabSensorReadings("d7")[1]?.device_id).toBe("d7");
  });

  it("reads the labelled windows with whole-hour bounds, each inside the series", () => {
    const windows = loadNabLabels();
    expect(windows).toHaveLength(2);
    expect(windows[0]).toEqual(["2013-12-15 07:00:00", "2013-12-30 09:00:00"]);
    const readings = nabSensorReadings();
    const first = nabEpochMillis(readings[0]?.timestamp ?? "");
    const last = nabEpochMillis(readings.at(-1)?.timestamp ?? "");
    for (const [start, end] of windows) {
      expect(nabEpochMillis(start)).toBeGreaterThanOrEqual(first);
      expect(nabEpochMillis(end)).toBeLessThanOrEqual(last);
    }
  });

  it("reads timestamps as UTC", () => {
    expect(nabEpochMillis("2013-07-04 00:00:00")).toBe(Date.UTC(2013, 6, 4));
  });
});
