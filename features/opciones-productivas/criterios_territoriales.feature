# language: es
@opciones_productivas
Característica: Opciones Productivas — basta un criterio territorial
  Una OSSE es elegible si su municipio cumple al menos uno de seis criterios territoriales:
  marginación media o más (CONAPO 2020), ZAP rural, 25% o más en ZAP urbana, 50% o más con
  ingreso bajo la línea de pobreza (CONEVAL 2020), municipio indígena (CDI 2015) o sucursal de
  banca social. Cada ejemplo usa un municipio real donde sólo varía el criterio de la regla.
  El grupo declara que no tiene ZAP urbana ni sucursal de banca social, para que esos dos
  criterios no queden sin determinar.

  Antecedentes:
    Dado un grupo en el municipio "Ocampo" de Coahuila
    Y la organización es OSSE
    Y la fecha es 2016-06-01
    Y el grupo tiene 5 integrantes
    Y el 0% de la población está en ZAP urbana
    Y el grupo no cuenta con sucursal de banca social

  Escenario: Una OSSE de un municipio que no cumple ningún criterio territorial no es elegible
    Cuando se evalúa la elegibilidad para Opciones Productivas
    Entonces el grupo no es elegible
    Y el criterio "marginalisation" no se cumple
    Y el criterio "zap_rural" no se cumple
    Y el criterio "income_poverty" no se cumple
    Y el criterio "indigenous" no se cumple

  Regla: Municipio de marginación media, alta o muy alta (marginalisation)

    Esquema del escenario: Una OSSE de <municipio>, de marginación <grado>, resulta «<resultado>»
      Dado un grupo en el municipio "<municipio>" de <estado>
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el resultado es "<resultado>"
      Y el criterio "marginalisation" da "<criterio>"

      Ejemplos:
        | municipio   | estado    | grado    | resultado   | criterio  |
        | Ocampo      | Coahuila  | Bajo     | no elegible | no cumple |
        | La Libertad | Chiapas   | Medio    | elegible    | cumple    |
        | Ocampo      | Chihuahua | Medio    | elegible    | cumple    |

    Escenario: La marginación se cita de la fuente que da los seis criterios
      Dado un grupo en el municipio "La Libertad" de Chiapas
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el criterio "marginalisation" cita "medium, high or very high degree of social marginalisation"

  Regla: Municipio en Zona de Atención Prioritaria rural (zap_rural)

    Esquema del escenario: Una OSSE de <municipio> (ZAP rural: <zap>) resulta «<resultado>»
      Dado un grupo en el municipio "<municipio>" de <estado>
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el resultado es "<resultado>"
      Y el criterio "zap_rural" da "<criterio>"

      Ejemplos:
        | municipio | estado         | zap | resultado   | criterio  |
        | Cosío     | Aguascalientes | sí  | elegible    | cumple    |
        | Ocampo    | Coahuila       | no  | no elegible | no cumple |

  Regla: Al menos 25% de la población en ZAP urbana (zap_urban)

    Esquema del escenario: Una OSSE que declara <pct>% de población en ZAP urbana resulta «<resultado>»
      Dado el <pct>% de la población está en ZAP urbana
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el resultado es "<resultado>"
      Y el criterio "zap_urban" da "<criterio>"

      Ejemplos:
        | pct  | resultado   | criterio  |
        | 0    | no elegible | no cumple |
        | 24.9 | no elegible | no cumple |
        | 25   | elegible    | cumple    |
        | 80   | elegible    | cumple    |

  Regla: Al menos 50% de la población con ingreso bajo la línea de bienestar (income_poverty)

    Esquema del escenario: Una OSSE de <municipio>, con <pct>% bajo la línea, resulta «<resultado>»
      Dado un grupo en el municipio "<municipio>" de <estado>
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el resultado es "<resultado>"
      Y el criterio "income_poverty" da "<criterio>"

      Ejemplos:
        | municipio      | estado    | pct  | resultado   | criterio  |
        | Colón          | Querétaro | 49.8 | no elegible | no cumple |
        | Nombre de Dios | Durango   | 50.1 | elegible    | cumple    |
        | Ocampo         | Durango   | 50.5 | elegible    | cumple    |

  Regla: Municipio indígena según la CDI (indigenous)

    Esquema del escenario: Una OSSE de <municipio> (municipio indígena: <indígena>) resulta «<resultado>»
      Dado un grupo en el municipio "<municipio>" de <estado>
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el resultado es "<resultado>"
      Y el criterio "indigenous" da "<criterio>"

      Ejemplos:
        | municipio    | estado   | indígena | resultado   | criterio  |
        | San Salvador | Hidalgo  | sí       | elegible    | cumple    |
        | Ocampo       | Coahuila | no       | no elegible | no cumple |

  Regla: Cuenta con sucursal de banca social (social_bank)

    Escenario: Una OSSE que declara sucursal de banca social es elegible
      Dado el grupo cuenta con sucursal de banca social
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el grupo es elegible
      Y el criterio "social_bank" se cumple

    Escenario: Una OSSE sin sucursal de banca social ni otro criterio no es elegible
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el grupo no es elegible
      Y el criterio "social_bank" no se cumple

  Regla: Lo que no se sabe del municipio deja la elegibilidad sin determinar

    Escenario: En Seybaplaya no hay datos de ingreso ni de la CDI, y no se puede determinar
      Dado un grupo en el municipio "Seybaplaya"
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces no se puede determinar si el grupo es elegible
      Y la explicación dice que falta "territory.income_below_poverty_line_pct"
      Y la explicación dice que falta "territory.indigenous_municipality"

    Escenario: Si el grupo no declara la ZAP urbana ni la banca social, no se puede determinar
      Dado un grupo en el municipio "Colón" de Querétaro
      Y el grupo no declara su población en ZAP urbana
      Y no se sabe si el grupo cuenta con sucursal de banca social
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces no se puede determinar si el grupo es elegible
      Y no se puede saber si el criterio "zap_urban" se cumple
      Y la explicación dice que falta "social_bank_office"

  Regla: Los seis criterios territoriales solo valen de 2016 a 2018, los años que la fuente cubre

    Esquema del escenario: Una OSSE de Ocampo (Coahuila, ningún criterio territorial) el <fecha> resulta «<resultado>»
      Dado la fecha es <fecha>
      Cuando se evalúa la elegibilidad para Opciones Productivas
      Entonces el resultado es "<resultado>"
      Y el criterio "marginalisation" da "<criterio>"
      Y el criterio "zap_rural" da "<criterio>"

      Ejemplos:
        | fecha      | resultado              | criterio               |
        | 2010-06-30 | no se puede determinar | sin determinar         |
        | 2015-12-31 | no se puede determinar | sin determinar         |
        | 2016-01-01 | no elegible            | no cumple              |
        | 2018-12-31 | no elegible            | no cumple              |
