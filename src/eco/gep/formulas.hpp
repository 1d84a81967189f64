// GEP indicator formulas per pixel or per table row (spec /work/shared/spec/gep.md section 3). Pure
// functions: every coefficient, parameter and price is an argument read from the versioned
// tables and the profile, never a constant here. Only physical constants (molar masses 44/12,
// 32/44, unit conversions) appear in code.
#pragma once

#include <algorithm>
#include <cmath>

namespace riverlink::eco::gep::formula {

// 3.3 Soil erodibility K from soil texture, EPIC (Williams), with the profile's coefficients
// k = [a0, a1, a2, e, b0, b1, b2, c0, c1, c2, si] (spec: 0.2, 0.3, -0.0256, 0.3, 0.25, 3.72,
// -2.95, 0.7, -5.51, 22.9, 0.1317):
//   K = si x {a0 + a1 exp[a2 SAN (1 - SIL/100)]} x [SIL/(CLA+SIL)]^e
//         x {1 - b0 C/[C + exp(b1 + b2 C)]} x {1 - c0 SN1/[SN1 + exp(c1 + c2 SN1)]},  SN1 = 1 - SAN/100
// (SAN, SIL, CLA in %, C = organic carbon %); then K' = corr[0] + corr[1] K when the profile has a
// correction (Zhang Keli: -0.01383, 0.51575). NaN when SIL + CLA = 0.
inline double k_epic(double san, double sil, double cla, double c, const double (&k)[11]) {
  if (sil + cla <= 0) return NAN;
  const double sn1 = 1.0 - san / 100.0;
  return k[10] * (k[0] + k[1] * std::exp(k[2] * san * (1.0 - sil / 100.0))) * std::pow(sil / (cla + sil), k[3]) *
         (1.0 - k[4] * c / (c + std::exp(k[5] + k[6] * c))) * (1.0 - k[7] * sn1 / (sn1 + std::exp(k[8] + k[9] * sn1)));
}
// 3.3 Cover management C from vegetation fraction fc (0..1), Cai Chongfa, with the profile's
// coefficients c = [a, b, fc_max_pct] (spec: 0.6508, 0.3436, 78.3): 1 at fc = 0,
// a - b lg(100 fc) below fc_max_pct, 0 from there on.
inline double c_from_fc(double fc, const double (&c)[3]) {
  const double pct = 100.0 * fc;
  if (pct <= 0) return 1.0;
  if (pct >= c[2]) return 0.0;
  return std::min(1.0, std::max(0.0, c[0] - c[1] * std::log10(pct)));
}

// 3.3 Rainfall erosivity from daily rainfall (Zhang Wenbo 2002), with the profile's coefficients
// r = [threshold_mm, b0, b1, b2, a0, a1] (spec: 12, 0.8363, 18.144, 24.455, 21.586, -7.1891):
// over the erosive days (P >= threshold), beta = b0 + b1 / P_d12 + b2 / P_y12 and
// alpha = a0 beta^a1 (P_d12 = mean erosive daily rainfall, P_y12 = erosive rainfall per year), and
// the annual R = alpha x sum P^beta / years (MJ mm / (ha h yr); the half-month sums of the model
// add up to this). `days` holds one value per day (NaN = missing, skipped); 0 without erosive days.
inline double r_daily_zhang(const float* days, int n, double years, const double (&r)[6]) {
  double sum = 0;
  int count = 0;
  for (int k = 0; k < n; ++k)
    if (days[k] >= r[0]) sum += days[k], ++count;
  if (count == 0 || years <= 0) return 0.0;
  const double pd = sum / count, py = sum / years;
  const double beta = r[1] + r[2] / pd + r[3] / py, alpha = r[4] * std::pow(beta, r[5]);
  double acc = 0;
  for (int k = 0; k < n; ++k)
    if (days[k] >= r[0]) acc += std::pow(double(days[k]), beta);
  return alpha * acc / years;
}

// 3.2 Water conservation: (P - alpha P - ET) x A x 1e-3 (m3; P, ET in mm, A in m2). Unclamped.
inline double water_conservation_m3(double p_mm, double alpha, double et_mm, double area_m2) {
  return (p_mm - alpha * p_mm - et_mm) * area_m2 * 1e-3;
}
// 3.9 Carbon, NEP method with NPP in g C/m2/yr: 44/12 x alpha x NPP x A (t CO2).
inline double carbon_co2_t(double npp_gc_m2, double nep_ratio, double area_m2) {
  return 44.0 / 12.0 * nep_ratio * npp_gc_m2 * area_m2 * 1e-6;
}
// 3.9 Carbon by stock difference (InVEST Carbon's method): (stock now - stock then) in Mg C/ha over
// A m2 and the years between, as t CO2 per year (44/12); negative when carbon is lost.
inline double carbon_stock_change_co2_t(double then_mg_c_ha, double now_mg_c_ha, double area_m2, double years) {
  return (now_mg_c_ha - then_mg_c_ha) * area_m2 * 1e-4 * 44.0 / 12.0 / years;
}
// 3.10 Oxygen release from fixed CO2: 32/44 x CO2 (t O2).
inline double oxygen_t(double co2_t) { return co2_t * 32.0 / 44.0; }

// 3.11 Climate regulation, whole-year ET variant: ET (mm) x A -> kg water x latent heat (kJ/kg)
// / (3600 x r) (kWh).
inline double climate_et_year_kwh(double et_mm, double area_m2, double latent_kj_per_kg, double r) {
  return et_mm * 1e-3 * area_m2 * 1000.0 * latent_kj_per_kg / (3600.0 * r);
}
// 3.11 Climate regulation, transpiration variant, vegetation: EPP (kJ/m2/d) x A (m2) x D days
// / (3600 r) (kWh). (The spec's S in km2 x 1e6 is the same as A in m2.)
inline double climate_transpiration_kwh(double epp_kj_m2_d, double area_m2, double days, double r) {
  return epp_kj_m2_d * area_m2 * days / (3600.0 * r);
}
// 3.11 Climate regulation, transpiration variant, water surface: E_w q 1e3 / (3600 r) + E_w y,
// with E_w = evaporation over the hot days (mm) x A -> m3 (kWh).
inline double climate_water_surface_kwh(double evap_mm, double area_m2, double latent_kj_per_kg, double r,
                                        double humidifier_kwh_per_m3) {
  double ew = evap_mm * 1e-3 * area_m2;
  return ew * latent_kj_per_kg * 1e3 / (3600.0 * r) + ew * humidifier_kwh_per_m3;
}

// 3.6 Flood regulation.
// Vegetation: (P_h - P_h alpha_storm) x A x 1e-3 (m3), not below 0.
inline double flood_vegetation_m3(double storm_mm, double storm_alpha, double area_m2) {
  double x = (storm_mm - storm_mm * storm_alpha) * area_m2 * 1e-3;
  return x > 0 ? x : 0.0;
}
// Marsh: soil water storage S h (theta_s - theta) + surface detention S H_d (m3).
inline double flood_marsh_m3(double area_m2, double soil_depth_m, double theta_s, double theta, double detention_m) {
  double soil = soil_depth_m * (theta_s - theta);
  return area_m2 * ((soil > 0 ? soil : 0.0) + detention_m);
}
// Lake: e^ln_a x A^b x c, A in km2, result in 1e4 m3 -> m3.
inline double flood_lake_m3(double area_km2, double ln_a, double b, double c) {
  return std::exp(ln_a) * std::pow(area_km2, b) * c * 1e4;
}
// Reservoir: ratio x total capacity (m3).
inline double flood_reservoir_m3(double capacity_m3, double ratio) { return ratio * capacity_m3; }

// 3.4 Sand fixation, RWEQ. factor = WF x EF x SCF x K' x C (WF in kg/m). Returns the soil loss
// SL at plot length z (kg/m2): Q_max = a x factor, s = b x factor^e, SL = 2z/s^2 Q_max e^-(z/s)^2.
// The regression constants a, b, e (109.8, 150.71, -0.3711 in the usual RWEQ) come from the profile.
inline double rweq_soil_loss_kg_m2(double factor, double z_m, double a, double b, double e) {
  if (factor <= 0) return 0.0;
  double qmax = a * factor;
  double s = b * std::pow(factor, e);
  double zs = z_m / s;
  return 2.0 * z_m / (s * s) * qmax * std::exp(-zs * zs);
}
// Sand fixed (t): (SL potential with C = 1 - SL actual) x A / 1000, not below 0.
inline double sand_fixation_t(double wf_ef_scf_k, double c_actual, double z_m, double a, double b, double e, double area_m2) {
  double pot = rweq_soil_loss_kg_m2(wf_ef_scf_k, z_m, a, b, e);
  double act = rweq_soil_loss_kg_m2(wf_ef_scf_k * c_actual, z_m, a, b, e);
  double x = (pot - act) * area_m2 / 1000.0;
  return x > 0 ? x : 0.0;
}
// Value of fixed sand: Q / (rho h) x c (yuan; rho t/m3, h m, c yuan/m2).
inline double sand_fixation_value(double q_t, double rho_t_m3, double depth_m, double cost_per_m2) {
  return q_t / (rho_t_m3 * depth_m) * cost_per_m2;
}

}  // namespace riverlink::eco::gep::formula
