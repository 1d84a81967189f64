// A small hand-made network pinning each routing rule (see raptor_test.cpp).
#pragma once
#include "transport/gtfs/fixture.hpp"

namespace riverlink::transport::fixture {

inline Files scenario_feed() {
  // E is ~100 m north of C; G is ~150 m north of E (C-G ~250 m: two hops, not allowed).
  return {
      {"agency.txt", "agency_id,agency_name,agency_url,agency_timezone\nA,Demo,http://a,Asia/Shanghai\n"},
      {"stops.txt",
       "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
       "A,A,31.0000,121.0000,,\nB,B,31.0500,121.0000,,\nC,C,31.1000,121.0000,,\nD,D,31.1500,121.1000,,\n"
       "E,E,31.1009,121.0000,,\nG,G,31.10225,121.0000,,\nF,F,31.2000,121.2000,,\nH,H,31.3000,121.3000,,\n"
       "ST,Station,31.4000,121.4000,1,\nP1,Platform 1,31.4000,121.4000,0,ST\nP2,Platform 2,31.4030,121.4000,0,ST\n"},
      {"routes.txt",
       "route_id,agency_id,route_short_name,route_long_name,route_type\n"
       "BUS,A,1,Bus,3\nFERRY,A,F,Ferry,4\nRAIL,A,G1,HSR,101\n"},
      {"trips.txt",
       "route_id,service_id,trip_id\n"
       "BUS,S,T1\nBUS,S,T2\nFERRY,S,T3\nBUS,S,T4\nBUS,S,T5\nBUS,S,T6\nRAIL,S,T7\nBUS,S,T8\nRAIL,S,T9\nRAIL,S,T10\n"},
      {"stop_times.txt",
       "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n"
       "T1,08:00:00,08:00:00,A,1,,\nT1,08:10:00,08:10:00,B,2,,\nT1,08:20:00,08:20:00,C,3,,\n"
       "T2,08:11:00,08:11:00,B,1,,\nT2,08:30:00,08:30:00,D,2,,\n"
       "T3,08:12:00,08:12:00,B,1,,\nT3,08:40:00,08:40:00,D,2,,\n"
       "T4,08:21:00,08:21:00,E,1,,\nT4,09:00:00,09:00:00,F,2,,\n"
       "T5,08:22:00,08:22:00,E,1,,\nT5,09:00:00,09:00:00,F,2,,\n"
       "T6,08:30:00,08:30:00,G,1,,\nT6,09:00:00,09:00:00,H,2,,\n"
       "T7,25:00:00,25:00:00,D,1,,\nT7,25:30:00,25:30:00,A,2,,\n"
       "T8,07:00:00,07:00:00,A,1,,\nT8,07:10:00,07:10:00,B,2,,1\nT8,07:20:00,07:20:00,C,3,,\n"
       "T9,08:00:00,08:00:00,P1,1,,\nT9,08:30:00,08:30:00,A,2,,\n"
       "T10,08:25:00,08:25:00,C,1,,\nT10,08:50:00,08:50:00,P2,2,,\n"},
      {"calendar.txt",
       "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
       "S,1,1,1,1,1,1,1,20260301,20260331\n"},
  };
}

}  // namespace riverlink::transport::fixture
